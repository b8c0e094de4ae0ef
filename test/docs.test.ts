/**
 * Every relative Markdown link in the documentation resolves: README.md, docs/*.md,
 * ARCHITECTURE.md and CHANGELOG.md. A link's file (or folder) exists, and a `#anchor` — to the
 * same page or to another Markdown file — is the GitHub slug of one of that file's headings.
 * Links inside fenced code blocks and inline code are not links.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../src/store/database.js";

const ROOT = packageRoot();
const PAGES = ["README.md", "ARCHITECTURE.md", "CHANGELOG.md", ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

/** The text outside fenced code blocks, line by line (fenced lines blanked, so line numbers hold). */
function prose(text: string): string[] {
  let fence: string | null = null;
  return text.split("\n").map((line) => {
    const m = /^\s*(`{3,}|~{3,})/.exec(line);
    if (m) {
      if (fence === null) fence = m[1]![0]!;
      else if (m[1]![0] === fence) fence = null;
      return "";
    }
    return fence === null ? line : "";
  });
}

/** GitHub's heading slug: lower case, punctuation dropped (but - and _), spaces to -, repeats numbered. */
export function slugs(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose(text)) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const plain = m[1]!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1") // links keep their text
      .replace(/<[^>]+>/g, "")
      .toLowerCase();
    const base = plain.replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

interface Link {
  page: string;
  line: number;
  target: string;
}

function links(page: string): Link[] {
  const found: Link[] = [];
  prose(readFileSync(join(ROOT, page), "utf8")).forEach((line, i) => {
    const text = line.replace(/`[^`]*`/g, ""); // inline code
    for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) found.push({ page, line: i + 1, target: m[1]! });
  });
  return found;
}

const isExternal = (t: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(t);

/** Why a link does not resolve, or null. */
function problem(link: Link): string | null {
  const [path, anchor] = link.target.split("#", 2) as [string, string | undefined];
  const file = path === "" ? join(ROOT, link.page) : resolve(dirname(join(ROOT, link.page)), decodeURIComponent(path));
  if (!file.startsWith(ROOT)) return `${link.target} leaves the repository`;
  if (!existsSync(file)) return `${relative(ROOT, file)} does not exist`;
  if (anchor === undefined || anchor === "") return null;
  if (!file.endsWith(".md")) return `#${anchor} on a file that is not Markdown`;
  const known = slugs(readFileSync(file, "utf8"));
  return known.has(decodeURIComponent(anchor)) ? null : `${relative(ROOT, file)} has no heading #${anchor}`;
}

describe("documentation links", () => {
  it("covers the pages it should", () => {
    expect(PAGES).toEqual(expect.arrayContaining(["README.md", "ARCHITECTURE.md", "CHANGELOG.md", "docs/README.md", "docs/SECURITY.md", "docs/PROTOCOL.md"]));
  });

  it.each(PAGES)("every relative link and #anchor in %s resolves", (page) => {
    const broken = links(page)
      .filter((l) => !isExternal(l.target))
      .flatMap((l) => {
        const why = problem(l);
        return why ? [`${l.page}:${l.line}: (${l.target}) — ${why}`] : [];
      });
    expect(broken).toEqual([]);
  });

  it("slugs headings as GitHub does", () => {
    const s = slugs("# Retries, timeouts and schedules\n## Waiting for a signal (approvals)\n## Idempotent creation (`idempotencyKey`)\n## A\n## A\n```\n# not a heading\n```\n");
    expect([...s]).toEqual(["retries-timeouts-and-schedules", "waiting-for-a-signal-approvals", "idempotent-creation-idempotencykey", "a", "a-1"]);
  });
});
