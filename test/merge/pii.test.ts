import { describe, expect, it } from "vitest";
import { luhn, masker, noPii, type PiiConfig, type PiiCounts } from "../../src/merge/pii.js";

function mask(text: string, config?: PiiConfig): { text: string; counts: PiiCounts } {
  const counts = noPii();
  return { text: masker(config)(text, counts), counts };
}

/** Each value is masked whole, and counted once as `kind`. */
function expectMasked(kind: keyof PiiCounts, values: string[]): void {
  for (const v of values) {
    const r = mask(`before ${v}, after`);
    expect(r.text, v).toBe("before ***, after");
    expect(r.counts, v).toEqual({ ...noPii(), [kind]: 1 });
  }
}

function expectKept(values: string[]): void {
  for (const v of values) expect(mask(`x ${v} y`).text, v).toBe(`x ${v} y`);
}

describe("PII masking", () => {
  it("masks emails", () => {
    expectMasked("email", ["jane.doe@example.com", "ops+alerts@sub.example.co.uk", "A_B-9%x@mail-1.io"]);
    expectKept(["user@localhost", "@handle", "a@b"]);
  });

  it("masks phone numbers: international and common local formats", () => {
    expectMasked("phone", [
      "+1 (555) 123-4567",
      "+44 20 7946 0958",
      "+4915112345678",
      "+33 1 23 45 67 89",
      "+1-555-123-4567",
      "(555) 123-4567",
      "(555)123-4567",
      "555-123-4567",
      "555.123.4567",
      "555 123 4567",
      "020 7946 0958",
      "07700 900123",
      "0800 123 456",
    ]);
    expectKept(["+1 234", "+12.5", "555-1234", "555-123-45678", "123-4567"]);
  });

  it("masks national-id-like numbers: US SSN, Canadian SIN (Luhn), UK NINO", () => {
    expectMasked("nationalId", ["123-45-6789", "123 45 6789", "046-454-286", "AB 12 34 56 C", "AB123456C"]);
    // impossible SSNs, a SIN failing Luhn, mixed separators
    expectKept(["000-12-3456", "666-12-3456", "912-34-5678", "123-00-4567", "123-45-0000", "046-454-287", "123-45 6789"]);
  });

  it("masks card numbers that pass Luhn and have a card prefix, plain, spaced or dashed", () => {
    expectMasked("card", ["4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "3782 822463 10005", "5500 0000 0000 0004", "6011111111111117", "4222222222222"]);
    // Luhn fails; no card prefix (epoch ms, order numbers); 20 digits; mixed separators
    expectKept(["4111 1111 1111 1112", "1718000000000", "1234567890123456", "4111 1111 1111 1111 1111", "4111 1111-1111 1111"]);
  });

  it("leaves ordinary text with years, prices, dates, times, versions, percentages and counts alone", () => {
    const text = [
      "In 2024 revenue rose 12.5% to $1,234.56 (from $987,654.32 in 2023) on 2024-01-15T10:30:00Z;",
      "the meeting ran 10:30-12:45 on 2024-03-01, and v2.9.1 replaced 10.0.19045 (build 22631.3296).",
      "Order #98765432 and order 1234567890123456 shipped 3 items to 42 users; 1,000,000 rows in 0.25 s.",
      "Q3 2023 vs Q4 2023: +5% YoY, -12.3 points, 1.5e10 bytes, ratio 3/4, pages 100-200, 2023-2024 season.",
      "Years 2019 2020 2021 2022; dates 2023-01-01 2023-12-31; ISBN 978-3-16-148410-0; IP 192.168.1.100;",
      "epoch 1718000000000 ms, port 8080, room 555-1234, error code 0x1F, temperature -40 °C, 3.14159265358979.",
    ].join(" ");
    expect(mask(text)).toEqual({ text, counts: noPii() });
  });

  it("masks configured names (whole words, any case and spacing) and patterns, counted as custom", () => {
    const config = { names: ["Jane Doe", "Zoë"], patterns: ["ACME-\\d{4}", "x*"] };
    const r = mask("Jane  Doe met zoë and JANE DOE about ACME-1234; Janet Doerr and Zoëy did not.", config);
    expect(r.text).toBe("*** met *** and *** about ***; Janet Doerr and Zoëy did not.");
    expect(r.counts).toEqual({ ...noPii(), custom: 4 });
  });

  it("counts each kind across texts, built-in rules first", () => {
    const counts = noPii();
    const m = masker({ names: ["jane"] });
    expect(m("jane@example.com, Jane, 555-123-4567", counts)).toBe("***, ***, ***");
    expect(m("123-45-6789 and 4111111111111111", counts)).toBe("*** and ***");
    expect(counts).toEqual({ email: 1, phone: 1, nationalId: 1, card: 1, custom: 1 });
  });

  it("luhn", () => {
    expect(luhn("79927398713")).toBe(true);
    expect(luhn("79927398710")).toBe(false);
  });
});
