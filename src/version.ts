/**
 * The version of Baton: package.json's, read at run time from the package root (found from
 * src/ in tests and from dist/src/ when compiled), so that a release needs no edit here.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "./store/database.js";

let cached: string | null = null;

/** The package version, e.g. "0.1.0" (read once). */
export function batonVersion(): string {
  if (cached === null) {
    const { version } = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version?: unknown };
    if (typeof version !== "string" || version === "") throw new Error(`no version in ${join(packageRoot(), "package.json")}`);
    cached = version;
  }
  return cached;
}
