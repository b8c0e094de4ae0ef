/**
 * The repository stands alone: a clone with nothing beside it builds and passes its tests. No
 * tracked file names a path above the checkout — neither a relative path that climbs out of it
 * from the file's own folder, nor one built from the package root and "..".
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../src/store/database.js";

const root = packageRoot();
/** The folder beside the checkout that the project was conceived from, named anywhere. */
const SIBLING = new RegExp(String.raw`\.\.[/\\]shared\b`);
const CODE = /\.(ts|mts|js|mjs|cjs|json|ya?ml|sh)$|^\.ci\//;

const tracked = (): string[] =>
  execFileSync("git", ["ls-files"], { cwd: root, encoding: "utf8" })
    .split("\n")
    .filter((f) => f !== "" && CODE.test(f) && !f.endsWith("package-lock.json") && existsSync(join(root, f))); // a deletion not yet committed is gone

describe("the repository", () => {
  it("reads nothing outside the checkout", () => {
    const files = tracked().filter((f) => f !== "test/repository.test.ts"); // its own patterns name what it looks for
    expect(files.length).toBeGreaterThan(100);
    const escapes: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(root, file), "utf8");
      // a relative path in a string, resolved from the file's folder
      for (const m of text.matchAll(/["'`]((?:\.\.\/)+[^"'`\s]*)["'`]/g)) {
        const target = resolve(root, dirname(file), m[1]!);
        if (relative(root, target).startsWith(`..${sep}`) || relative(root, target) === "..") escapes.push(`${file}: ${m[1]}`);
      }
      // a path built from the root and ".." (join(root, "..", …))
      for (const m of text.matchAll(/(?:packageRoot\(\)|\broot)\s*,\s*["']\.\.["']/g)) escapes.push(`${file}: ${m[0]}`);
      if (SIBLING.test(text)) escapes.push(`${file}: the sibling folder "shared"`);
    }
    expect(escapes).toEqual([]);
  });
});
