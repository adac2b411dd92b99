// Totals of a sheet, computed the way the server computes them (projections/queries.py),
// with BigInt so that sums of many large amounts stay exact.

const FULL = 10000n;

/**
 * Split öre by basis-point shares: each organisation's part and what is left unallocated.
 * A port of domain/budgets.py `split_amount`: the shared total is rounded down to whole öre
 * and divided by largest remainder (ties go to the smaller id), so the parts add up exactly.
 */
export function splitAmount(amount, shares) {
  const owners = Object.entries(shares).filter(([, bps]) => BigInt(bps) !== 0n);
  const total = BigInt(amount);
  const sum = owners.reduce((acc, [, bps]) => acc + BigInt(bps), 0n);
  const shared = (total * sum) / FULL;
  const exact = new Map(owners.map(([actor, bps]) => [actor, total * BigInt(bps)]));
  const parts = new Map([...exact].map(([actor, value]) => [actor, value / FULL]));
  let leftover = shared - [...parts.values()].reduce((acc, v) => acc + v, 0n);
  const byRemainder = [...exact.keys()].sort((a, b) => {
    const ra = exact.get(a) % FULL;
    const rb = exact.get(b) % FULL;
    if (ra !== rb) return ra > rb ? -1 : 1;
    return compareCodePoints(a, b);
  });
  for (const actor of byRemainder) {
    if (leftover <= 0n) break;
    parts.set(actor, parts.get(actor) + 1n);
    leftover -= 1n;
  }
  return { parts, rest: total - shared };
}

function compareCodePoints(a, b) {
  // Python compares str by code point; ids are ASCII, where this is the same.
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Every total the page shows, from the lines as they are shown (BigInt öre). */
export function sheetTotals(view) {
  const { years, actors, lines } = view;
  const byYear = new Map(years.map((y) => [String(y), 0n]));
  const byActor = new Map(actors.map((a) => [a.actor_id, 0n]));
  const lineTotals = new Map();
  let total = 0n;
  let unallocated = 0n;
  for (const line of lines) {
    const shares = Object.fromEntries(
      Object.entries(line.shares).map(([actor, s]) => [actor, s.share ?? 0]));
    let lineTotal = 0n;
    for (const [year, cell] of Object.entries(line.amounts)) {
      const amount = BigInt(cell.amount ?? 0);
      lineTotal += amount;
      byYear.set(year, (byYear.get(year) ?? 0n) + amount);
      const { parts, rest } = splitAmount(amount, shares);
      unallocated += rest;
      for (const [actor, part] of parts) {
        if (byActor.has(actor)) byActor.set(actor, byActor.get(actor) + part);
      }
    }
    lineTotals.set(line.line_id, lineTotal);
    total += lineTotal;
  }
  const bySector = new Map();
  for (const actor of actors) {
    bySector.set(actor.sector, (bySector.get(actor.sector) ?? 0n) + byActor.get(actor.actor_id));
  }
  return { total, byYear, byActor, bySector, unallocated, lineTotals };
}
