// Every file box of the dashboard in the page's language: the browser's own "Choose File / No file
// chosen" follows the browser's language, not the page's, so each <input type="file"> is hidden
// behind a button and a line that say it in the page's words (fetched_choose_file, fetched_no_file:
// base.html carries them as fetch-labels, read by CNX.fetchLabels). The input stays in the form,
// reached through the button, and keeps its id, name, accept and multiple.
(function () {
  function enhance(input, L) {
    if (input.dataset.filepick) return;
    input.dataset.filepick = "1";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "file-pick";
    button.textContent = L.fetched_choose_file || "Choose file";
    if (input.id) button.id = `${input.id}-pick`;
    const name = document.createElement("span");
    name.className = "muted file-name";
    name.setAttribute("aria-live", "polite");
    const shown = () => {
      // a chosen file's name is the user's own text, in no language of the page: shown as <code>
      const files = Array.from(input.files || []).map((f) => f.name);
      name.replaceChildren();
      if (!files.length) name.textContent = L.fetched_no_file || "No file chosen";
      files.forEach((f, i) => {
        const c = document.createElement("code");
        c.textContent = f;
        name.append(...(i ? [", ", c] : [c]));
      });
    };
    shown();
    input.classList.add("file-native");
    input.tabIndex = -1;
    input.setAttribute("aria-hidden", "true");
    button.addEventListener("click", () => input.click());
    input.addEventListener("change", shown);
    input.form?.addEventListener("reset", () => setTimeout(shown));
    input.after(button, " ", name);
  }

  function all() {
    const L = CNX.fetchLabels();  // app.js, loaded before this file
    document.querySelectorAll('input[type="file"]').forEach((i) => enhance(i, L));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all);
  else all();
})();
