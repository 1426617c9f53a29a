// Autocomplete for the search box, following the ARIA 1.2 combobox pattern (list popup).
// The page works without it: the box is a plain GET form.
(function () {
  "use strict";
  var input = document.getElementById("q");
  var list = document.getElementById("q-suggestions");
  if (!input || !list || !window.fetch) return;
  var active = -1, items = [], timer = null, lastQuery = null;

  function close() {
    list.hidden = true;
    list.textContent = "";
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
    items = [];
  }

  function highlight(index) {
    var options = list.querySelectorAll("[role=option]");
    options.forEach(function (el, i) { el.setAttribute("aria-selected", i === index ? "true" : "false"); });
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function choose(index) {
    var item = items[index];
    if (!item) return;
    if (item.kind === "headline" && item.link) {  // a headline names one article: open it
      close();
      window.location.assign(item.link);
      return;
    }
    input.value = item.kind === "headline" ? item.value : '"' + item.value + '"';
    close();
    input.form.submit();
  }

  function render(suggestions) {
    list.textContent = "";
    items = suggestions;
    if (!suggestions.length) { close(); return; }
    suggestions.forEach(function (s, i) {
      var li = document.createElement("li");
      li.id = "q-option-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.textContent = s.value;
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = { people: "person", organisations: "organisation", places: "place", headline: "article" }[s.kind] || "";
      li.appendChild(kind);
      li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
      list.appendChild(li);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
  }

  function fetchSuggestions() {
    var q = input.value.trim();
    if (q === lastQuery) return;
    lastQuery = q;
    if (q.length < 2) { close(); return; }
    fetch(input.dataset.suggest + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
      .then(function (data) { if (input.value.trim() === q) render(data.suggestions || []); })
      .catch(close);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(fetchSuggestions, 120);
  });
  input.addEventListener("keydown", function (e) {
    var open = !list.hidden && items.length > 0;
    if (e.key === "ArrowDown") {
      if (!open) { lastQuery = null; fetchSuggestions(); return; }
      e.preventDefault();
      highlight(active + 1 >= items.length ? 0 : active + 1);
    } else if (e.key === "ArrowUp" && open) {
      e.preventDefault();
      highlight(active <= 0 ? items.length - 1 : active - 1);
    } else if (e.key === "Enter" && open && active >= 0) {
      e.preventDefault();
      choose(active);
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 100); });
}());
