// The risk matrix by keyboard: a focused risk moves with the arrow keys (left/right:
// likelihood, up/down: impact); Enter sends the risk's own reassessment form (the one in the
// list below, which works without this script) with the new scores, Escape puts it back.
// When the live page swaps in fresh content (livepage.js), the new matrix is taken over.

const KEYS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };

function cellAt(matrix, likelihood, impact) {
  return matrix.querySelector(`td[data-likelihood="${likelihood}"][data-impact="${impact}"]`);
}

/** A sentence of the matrix's own (its data-…-text, in the reader's language) with blanks filled. */
function say(status, template, blanks) {
  if (!status || !template) return;
  status.textContent = template.replace(/\{(\w+)\}/gu, (whole, name) => String(blanks[name] ?? whole));
}

function start() {
  const matrix = document.querySelector("[data-risk-matrix]");
  const status = document.querySelector("[data-matrix-status]");
  if (!matrix) return;
  for (const chip of matrix.querySelectorAll("a.risk-chip")) {
    const form = document.getElementById(chip.dataset.form);
    if (!form) continue; // a reader without the right to reassess: links only
    const home = chip.parentElement;
    chip.addEventListener("keydown", (event) => {
      const cell = chip.parentElement;
      let likelihood = Number(cell.dataset.likelihood);
      let impact = Number(cell.dataset.impact);
      if (event.key in KEYS) {
        const [dl, di] = KEYS[event.key];
        likelihood = Math.min(5, Math.max(1, likelihood + dl));
        impact = Math.min(5, Math.max(1, impact + di));
        cellAt(matrix, likelihood, impact).append(chip);
        chip.textContent = `${chip.dataset.title} (${likelihood * impact})`; // read on focus
        chip.focus();
        chip.dataset.moved = "true";
        say(status, matrix.dataset.movedText, { risk: chip.dataset.title, likelihood, impact,
                                                 score: likelihood * impact });
        event.preventDefault();
      } else if (event.key === "Enter" && chip.dataset.moved) {
        form.elements.likelihood.value = String(likelihood);
        form.elements.impact.value = String(impact);
        form.requestSubmit();
        event.preventDefault();
      } else if (event.key === "Escape" && chip.dataset.moved) {
        home.append(chip);
        delete chip.dataset.moved;
        const [li, im] = [Number(home.dataset.likelihood), Number(home.dataset.impact)];
        chip.textContent = `${chip.dataset.title} (${li * im})`;
        chip.focus();
        say(status, matrix.dataset.backText, { risk: chip.dataset.title, likelihood: li, impact: im });
        event.preventDefault();
      }
    });
  }
}

document.addEventListener("samverkan:updated", start);
start();
