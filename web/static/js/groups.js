// Which sector groups of share columns a person has collapsed to one column each: kept per
// person in localStorage, so the grid looks the same on their next visit (to any budget).

export class Groups {
  constructor(storageKey) {
    this.key = storageKey;
    this.collapsed = new Set(load(storageKey));
  }

  toggle(sector) {
    if (this.collapsed.has(sector)) this.collapsed.delete(sector);
    else this.collapsed.add(sector);
    try {
      localStorage.setItem(this.key, JSON.stringify([...this.collapsed]));
    } catch {
      // Storage full or disabled: the choice lasts for this page.
    }
  }
}

function load(key) {
  try {
    const stored = JSON.parse(localStorage.getItem(key) ?? "[]");
    return Array.isArray(stored) ? stored.filter((s) => typeof s === "string") : [];
  } catch {
    return [];
  }
}
