document.addEventListener("DOMContentLoaded", () => {
  const year = new Date().getFullYear();
  const footer = document.createElement("footer");
  footer.textContent = `© ${year} Lighthouse Coffee`;
  document.body.appendChild(footer);
});
