// Ask before a form marked data-confirm="question" is sent (deleting a custom field or a dataset).
// Kept out of the page so the Content-Security-Policy can forbid inline scripts.
document.querySelectorAll("form[data-confirm]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
});
