// Totals of a sheet, computed the way the server computes them (projections/sheet.py),
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

const figures = () => ({ costs: 0n, income: 0n, net: 0n });

function add(entry, income, amount) {
  entry[income ? "income" : "costs"] += amount;
  entry.net += income ? -amount : amount;
}

const positive = (value) => (value > 0n ? value : 0n);

/**
 * Every total the page shows, from the lines as they are shown (BigInt öre), the way
 * projections/sheet.py works them out: costs, income and net (= costs − income) per year,
 * organisation and sector; each line's total, net, shares' sum and unallocated part; and the
 * funding gap on the net (net − confirmed commitments toward the lines, never below 0).
 * `commitments` maps a line id to {committed, byYear} (confirmed commitments toward it).
 */
export function sheetTotals(view, commitments = new Map()) {
  const { years, actors, lines } = view;
  const byYear = new Map(years.map((y) => [String(y), { ...figures(), committed: 0n, gap: 0n }]));
  const byActor = new Map(actors.map((a) => [a.actor_id, figures()]));
  const perLine = new Map();
  const sums = { ...figures(), committed: 0n, unallocated: 0n, unallocatedIncome: 0n };
  for (const line of lines) {
    const income = line.kind === "income";
    const shares = Object.fromEntries(
      Object.entries(line.shares).map(([actor, s]) => [actor, s.share ?? 0]));
    const pledged = commitments.get(line.line_id) ?? { committed: 0, byYear: {} };
    const entry = { total: 0n, net: 0n, unallocated: 0n, committed: BigInt(pledged.committed ?? 0),
                    shared: Object.values(shares).reduce((sum, bps) => sum + bps, 0), gap: 0n };
    for (const [year, cell] of Object.entries(line.amounts)) {
      const amount = BigInt(cell.amount ?? 0);
      entry.total += amount;
      const yearly = byYear.get(year) ?? { ...figures(), committed: 0n, gap: 0n };
      byYear.set(year, yearly);
      add(yearly, income, amount);
      yearly.committed += BigInt(pledged.byYear?.[year] ?? 0);
      const { parts, rest } = splitAmount(amount, shares);
      entry.unallocated += rest;
      for (const [actor, part] of parts) {
        if (byActor.has(actor)) add(byActor.get(actor), income, part);
      }
    }
    entry.net = income ? -entry.total : entry.total;
    entry.gap = income ? 0n : positive(entry.net - entry.committed);
    if (income) sums.unallocatedIncome += entry.unallocated;
    else sums.unallocated += entry.unallocated;
    sums.committed += entry.committed;
    perLine.set(line.line_id, entry);
  }
  for (const yearly of byYear.values()) {
    sums.costs += yearly.costs;
    sums.income += yearly.income;
    yearly.gap = positive(yearly.net - yearly.committed);
  }
  sums.net = sums.costs - sums.income;
  const bySector = new Map();
  for (const actor of actors) {
    const sector = bySector.get(actor.sector) ?? figures();
    bySector.set(actor.sector, sector);
    for (const key of ["costs", "income", "net"]) sector[key] += byActor.get(actor.actor_id)[key];
  }
  return { ...sums, gap: positive(sums.net - sums.committed), byYear, byActor, bySector,
           lines: perLine };
}
