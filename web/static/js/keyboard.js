// Moving around the grid from the keyboard: one tab stop (roving tabindex), arrow keys,
// Home/End, Page Up/Down; Enter, F2 or typing starts editing; Alt+↑/↓ moves a line.

const PAGE = 10;

export class GridKeys {
  /** `on` has edit(cell, typed), active(cell), moveLine(lineId, delta). */
  constructor(table, on) {
    this.table = table;
    this.on = on;
    this.active = { row: null, col: 0, index: 1 };
    this.current = null; // the element that has tabindex=0
    table.addEventListener("keydown", (e) => this.keydown(e));
    table.addEventListener("focusin", (e) => this.focusin(e));
    table.addEventListener("focusout", (e) => this.focusout(e));
    table.addEventListener("click", (e) => {
      const cell = e.target.closest("td, th");
      if (cell && !e.target.closest("input, button")) this.focusCell(cell);
    });
    table.addEventListener("dblclick", (e) => {
      const cell = e.target.closest("td, th");
      if (cell?.dataset.editable === "true" && !e.target.closest("input")) this.on.edit(cell, null);
    });
  }

  rows() {
    return [...this.table.rows];
  }

  keyOf(row) {
    return row.dataset.line ?? row.dataset.row;
  }

  /** The active cell, found again after the grid was re-rendered (or its neighbour). */
  activeCell() {
    const rows = this.rows();
    if (!rows.length) return null;
    let index = rows.findIndex((r) => this.keyOf(r) === this.active.row);
    if (index < 0) index = Math.min(this.active.index, rows.length - 1);
    const row = rows[index];
    return row.cells[Math.min(this.active.col, row.cells.length - 1)] ?? null;
  }

  /** Make exactly one element in the grid tabbable: the active cell (or its button). */
  sync() {
    const cell = this.activeCell();
    const target = cell && targetOf(cell);
    if (target === this.current) return;
    this.current?.setAttribute("tabindex", "-1");
    if (target) {
      target.setAttribute("tabindex", "0");
      this.remember(cell);
    }
    this.current = target;
  }

  remember(cell) {
    const row = cell.parentElement;
    this.active = { row: this.keyOf(row), col: cell.cellIndex, index: this.rows().indexOf(row) };
  }

  focusCell(cell) {
    this.remember(cell);
    this.sync();
    targetOf(cell).focus();
    cell.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  focusin(event) {
    const cell = event.target.closest("td, th");
    if (!cell) return;
    const before = `${this.active.row}|${this.active.col}`;
    const entering = !event.relatedTarget || !this.table.contains(event.relatedTarget);
    this.remember(cell);
    this.sync();
    if (entering || before !== `${this.active.row}|${this.active.col}`) this.on.active(cell);
  }

  focusout(event) {
    if (!event.relatedTarget || !this.table.contains(event.relatedTarget)) this.on.active(null);
  }

  keydown(event) {
    if (event.target.closest("input") || event.isComposing) return;
    const cell = event.target.closest("td, th");
    if (!cell) return;
    const rows = this.rows();
    const r = rows.indexOf(cell.parentElement);
    const c = cell.cellIndex;
    const last = rows.length - 1;
    const ctrl = event.ctrlKey || event.metaKey;
    const moves = {
      ArrowUp: [r - 1, c], ArrowDown: [r + 1, c], ArrowLeft: [r, c - 1], ArrowRight: [r, c + 1],
      Home: ctrl ? [0, 0] : [r, 0], End: ctrl ? [last, Infinity] : [r, Infinity],
      PageUp: [r - PAGE, c], PageDown: [r + PAGE, c],
    };
    const lineId = cell.parentElement.dataset.line;
    if (event.altKey && lineId && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      event.preventDefault();
      this.on.moveLine(lineId, event.key === "ArrowUp" ? -1 : 1);
    } else if (event.key in moves && !event.altKey) {
      event.preventDefault();
      const [toRow, toCol] = moves[event.key];
      const row = rows[Math.max(0, Math.min(last, toRow))];
      this.focusCell(row.cells[Math.max(0, Math.min(row.cells.length - 1, toCol))]);
    } else if ((event.key === "Enter" || event.key === "F2") && cell.dataset.editable === "true") {
      event.preventDefault();
      this.on.edit(cell, null);
    } else if (event.key.length === 1 && !ctrl && !event.altKey && event.key !== " "
               && cell.dataset.editable === "true") {
      event.preventDefault();
      this.on.edit(cell, event.key); // typing replaces the value, as in a spreadsheet
    }
  }
}

export function targetOf(cell) {
  return cell.querySelector("button") ?? cell;
}
