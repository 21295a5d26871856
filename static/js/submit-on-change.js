// Submit a form when one of its fields marked data-submit-on-change changes (the municipality switcher).
// Kept out of the page so the Content-Security-Policy can forbid inline scripts.
document.querySelectorAll("[data-submit-on-change]").forEach((field) => {
  field.addEventListener("change", () => field.form.submit());
});
