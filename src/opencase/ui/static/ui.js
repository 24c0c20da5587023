// opencase UI: progressive enhancement only; every control also works as a plain form.
// - <form data-autosave>: its <select> saves as soon as it changes.
// - The board: drag a card onto another column to move it.
"use strict";
(function () {
  const FETCH = { "X-Opencase-Fetch": "1" };

  function toast(text, bad) {
    const box = document.getElementById("toast");
    if (!box) return;
    box.textContent = text;
    box.className = bad ? "show bad" : "show";
    clearTimeout(box._timer);
    box._timer = setTimeout(() => { box.className = ""; }, bad ? 6000 : 2000);
  }

  async function post(action, data) {
    const response = await fetch(action, {
      method: "POST", body: new URLSearchParams(data), headers: FETCH, credentials: "same-origin",
    });
    if (response.status === 204) return null;
    return (await response.text()) || `failed (${response.status})`;
  }

  document.addEventListener("change", async (event) => {
    const select = event.target;
    const form = select.form;
    if (!form || !form.hasAttribute("data-autosave")) return;
    select.setAttribute("aria-busy", "true");
    const label = form.querySelector("label");
    const problem = await post(form.action, new FormData(form));
    select.removeAttribute("aria-busy");
    if (problem) {
      toast(problem, true);
    } else {
      form.dataset.saved = String(Date.now());
      toast(`${label ? label.textContent : "Field"} saved`, false);
    }
  });

  // Board: HTML5 drag and drop; the card's "Move to" form is the keyboard way.
  let dragged = null;
  document.addEventListener("dragstart", (event) => {
    const card = event.target.closest && event.target.closest(".card");
    if (!card) return;
    dragged = card;
    event.dataTransfer.setData("text/plain", card.dataset.case);
    event.dataTransfer.effectAllowed = "move";
  });
  document.addEventListener("dragover", (event) => {
    const column = event.target.closest && event.target.closest(".column");
    if (column && dragged) { event.preventDefault(); column.classList.add("over"); }
  });
  document.addEventListener("dragleave", (event) => {
    const column = event.target.closest && event.target.closest(".column");
    if (column) column.classList.remove("over");
  });
  document.addEventListener("drop", async (event) => {
    const column = event.target.closest && event.target.closest(".column");
    if (!column || !dragged) return;
    event.preventDefault();
    column.classList.remove("over");
    const card = dragged;
    dragged = null;
    const form = card.querySelector("form.move");
    const data = new FormData(form);
    data.set("status", column.dataset.status);
    const problem = await post(form.action, data);
    if (problem) { toast(problem, true); return; }
    column.querySelector("ul").prepend(card);
    form.querySelector("select").value = column.dataset.status;
    toast(`${card.dataset.case} moved to ${column.dataset.status}`, false);
  });
})();
