// Moving around the grid from the keyboard: one tab stop (roving tabindex), arrow keys,
// Home/End, Page Up/Down; Enter, F2 or typing starts editing; Alt+↑/↓ moves a line.
// A tap (touch or pen) on an editable cell starts editing at once; a mouse click selects and a
// double click edits, as in a spreadsheet. Columns are counted across cells that span several
// (the sector groups' header), so ↑/↓ keep to the column they started in.

const PAGE = 10;

export class GridKeys {
  /** `on` has edit(cell, typed), active(cell), moveLine(lineId, delta). */
  constructor(table, on) {
    this.table = table;
    this.on = on;
    this.active = { row: null, col: 0, index: null };
    this.current = null; // the element that has tabindex=0
    this.pointer = "mouse";
    table.addEventListener("keydown", (e) => this.keydown(e));
    table.addEventListener("focusin", (e) => this.focusin(e));
    table.addEventListener("focusout", (e) => this.focusout(e));
    table.addEventListener("pointerdown", (e) => {
      this.pointer = e.pointerType || "mouse";
      this.pressedAt = performance.now();
    });
    table.addEventListener("click", (e) => {
      const cell = e.target.closest("td, th");
      if (!cell || e.target.closest("input, select, button")) return;
      this.focusCell(cell);
      const touch = (e.pointerType || this.pointer) !== "mouse";
      if (touch && cell.dataset.editable === "true") this.on.edit(cell, null);
    });
    table.addEventListener("dblclick", (e) => {
      const cell = e.target.closest("td, th");
      if (cell?.dataset.editable === "true" && !e.target.closest("input, select")) this.on.edit(cell, null);
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
    if (index < 0) index = this.active.index ?? this.table.tHead?.rows.length ?? 0;
    const row = rows[Math.min(index, rows.length - 1)];
    return cellAt(row, this.active.col);
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

  remember(cell, col = null) {
    const row = cell.parentElement;
    const start = colOf(cell);
    const keep = col ?? this.active.col;
    const inside = keep >= start && keep < start + cell.colSpan;
    this.active = { row: this.keyOf(row), col: inside ? keep : start, index: this.rows().indexOf(row) };
  }

  focusCell(cell, col = null) {
    this.remember(cell, col);
    this.sync();
    targetOf(cell).focus({ preventScroll: true });
    reveal(cell);
  }

  focusin(event) {
    const cell = event.target.closest("td, th");
    if (!cell) return;
    const before = `${this.active.row}|${this.active.col}`;
    const entering = !event.relatedTarget || !this.table.contains(event.relatedTarget);
    this.remember(cell);
    this.sync();
    // A press already shows the cell: scrolling it now would move it from under the pointer
    // before the press ends, and the click would land on something else (or nothing).
    const pressed = performance.now() - (this.pressedAt ?? -Infinity) < 500;
    if (entering && !pressed) reveal(cell);
    if (entering || before !== `${this.active.row}|${this.active.col}`) this.on.active(cell);
  }

  focusout(event) {
    if (!event.relatedTarget || !this.table.contains(event.relatedTarget)) this.on.active(null);
  }

  keydown(event) {
    if (event.target.closest("input, select") || event.isComposing) return;
    const cell = event.target.closest("td, th");
    if (!cell) return;
    const rows = this.rows();
    const r = rows.indexOf(cell.parentElement);
    const start = colOf(cell);
    const col = this.active.col >= start && this.active.col < start + cell.colSpan ? this.active.col : start;
    const last = rows.length - 1;
    const ctrl = event.ctrlKey || event.metaKey;
    const moves = {
      ArrowUp: [r - 1, col], ArrowDown: [r + 1, col],
      ArrowLeft: [r, start - 1], ArrowRight: [r, start + cell.colSpan],
      Home: ctrl ? [0, 0] : [r, 0], End: ctrl ? [last, Infinity] : [r, Infinity],
      PageUp: [r - PAGE, col], PageDown: [r + PAGE, col],
    };
    const lineId = cell.parentElement.dataset.line;
    if (event.altKey && lineId && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      event.preventDefault();
      this.on.moveLine(lineId, event.key === "ArrowUp" ? -1 : 1);
    } else if (event.key in moves && !event.altKey) {
      event.preventDefault();
      const [toRow, toCol] = moves[event.key];
      const row = rows[Math.max(0, Math.min(last, toRow))];
      const width = widthOf(row);
      const target = cellAt(row, Math.max(0, Math.min(width - 1, toCol)));
      const vertical = ["ArrowUp", "ArrowDown", "PageUp", "PageDown"].includes(event.key);
      this.focusCell(target, vertical ? col : null);
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

/** The column a cell starts in, counting the columns the cells before it span. */
function colOf(cell) {
  let col = 0;
  for (let c = cell.previousElementSibling; c; c = c.previousElementSibling) col += c.colSpan || 1;
  return col;
}

function widthOf(row) {
  return [...row.cells].reduce((sum, c) => sum + (c.colSpan || 1), 0);
}

function cellAt(row, col) {
  let start = 0;
  for (const cell of row.cells) {
    const span = cell.colSpan || 1;
    if (col < start + span) return cell;
    start += span;
  }
  return row.cells[row.cells.length - 1] ?? null;
}

/**
 * Scroll the grid (and then the page) so that the cell is not hidden under the header rows,
 * the footer rows or the line-name column, which stay in view as the lines scroll.
 */
export function reveal(cell) {
  const scroll = cell.closest(".table-scroll");
  const table = cell.closest("table");
  if (!scroll || !table) return;
  const box = scroll.getBoundingClientRect();
  const rect = cell.getBoundingClientRect();
  const sticksLeft = cell.cellIndex === 0;
  const section = cell.parentElement.parentElement;
  const stuck = section === table.tHead || section === table.tFoot;
  const headBottom = table.tHead ? Math.max(box.top, table.tHead.getBoundingClientRect().bottom) : box.top;
  const footTop = table.tFoot ? Math.min(box.bottom, table.tFoot.getBoundingClientRect().top) : box.bottom;
  const firstCell = table.tHead?.rows[table.tHead.rows.length - 1]?.cells[0];
  const left = firstCell ? firstCell.getBoundingClientRect().right : box.left;
  const right = box.left + scroll.clientWidth;
  if (!sticksLeft) {
    if (rect.left < left) scroll.scrollLeft -= left - rect.left;
    else if (rect.right > right) scroll.scrollLeft += Math.min(rect.right - right, rect.left - left);
  }
  if (!stuck) {
    if (rect.top < headBottom) scroll.scrollTop -= headBottom - rect.top;
    else if (rect.bottom > footTop) scroll.scrollTop += rect.bottom - footTop;
  }
  const after = cell.getBoundingClientRect();
  const viewport = window.innerHeight || document.documentElement.clientHeight;
  if (after.top < 0) window.scrollBy(0, after.top - 8);
  else if (after.bottom > viewport) window.scrollBy(0, after.bottom - viewport + 8);
}
