// Money and shares in the page's locale, and back from what a person types.
// Amounts are integer öre and shares integer basis points: no floats ever touch them.

const FULL_SHARE = 10000;
const MAX_ORE = 10n ** 13n;

export class Numbers {
  constructor(locale, unit) {
    this.locale = locale;
    this.unit = unit; // "kr" or "SEK", as the server writes it
    this.whole = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
    this.decimal = this.whole.formatToParts(1.5).find((p) => p.type === "decimal")?.value
      ?? new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === "decimal").value;
  }

  /** Öre as kronor: "1 234 567" (öre shown only when there are any), optionally with the unit. */
  money(ore, withUnit = true) {
    const value = BigInt(ore);
    const negative = value < 0n;
    const abs = negative ? -value : value;
    let text = this.whole.format(abs / 100n);
    const rest = abs % 100n;
    if (rest) text += this.decimal + String(rest).padStart(2, "0");
    const sign = negative ? "\u2212" : "";
    return withUnit ? `${sign}${text}\u00a0${this.unit}` : `${sign}${text}`;
  }

  /** Basis points as a percentage: 2500 → "25 %", 3333 → "33,33 %", 0 → "" (or "0 %"). */
  share(bps, showZero = false) {
    if (!bps && !showZero) return "";
    const whole = Math.trunc(bps / 100);
    const rest = bps % 100;
    let text = this.whole.format(whole);
    if (rest) text += this.decimal + String(rest).padStart(2, "0").replace(/0$/, "");
    return `${text}\u00a0%`;
  }

  /** What a person typed for an amount, as öre (null when it is not an amount). */
  parseMoney(text) {
    const digits = this.normalise(text, this.unit);
    if (digits === null) return null;
    const [whole, fraction = ""] = digits.split(".");
    const ore = BigInt(whole || "0") * 100n + BigInt(fraction.padEnd(2, "0") || "0");
    return ore <= MAX_ORE ? Number(ore) : null;
  }

  /** What a person typed for a share ("25", "33,33 %"), as basis points (null if invalid). */
  parseShare(text) {
    const digits = this.normalise(text, "%");
    if (digits === null) return null;
    const [whole, fraction = ""] = digits.split(".");
    const bps = Number(whole || "0") * 100 + Number(fraction.padEnd(2, "0") || "0");
    return bps <= FULL_SHARE ? bps : null;
  }

  /** "52 000,5 kr" → "52000.5": grouping dropped, one or two decimals after "," or ".". */
  normalise(text, unit) {
    const s = String(text).trim().replace(/\s+/gu, "")
      .replace(new RegExp(`^(${escape(unit)}|kr|sek)|(${escape(unit)}|kr|sek|%)$`, "giu"), "");
    // Three digits after a mark are grouping ("52.000", "52,000"); one or two are decimals.
    const parts = s.match(/^([\d.,]*?)(?:[.,](\d{1,2}))?$/u);
    if (!parts) return null;
    const [first, ...groups] = parts[1].split(/[.,]/u);
    if (!/^\d*$/u.test(first) || groups.some((g) => !/^\d{3}$/u.test(g))) return null;
    if (groups.length && !/^[1-9]\d{0,2}$/u.test(first)) return null; // "1.234", not "0,001"
    const whole = first + groups.join("");
    const fraction = parts[2] ?? "";
    return fraction ? `${whole || "0"}.${fraction}` : whole || "0";
  }
}

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/gu, "\\$&");
}

export { FULL_SHARE };
