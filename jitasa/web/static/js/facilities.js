// Facility pages: +/− steppers of the capacity form (one thumb on a phone), and "nearest to me".
for (const button of document.querySelectorAll(".step")) {
  button.addEventListener("click", () => {
    const input = document.getElementById(button.dataset.for);
    const next = Math.max(0, (Number.parseInt(input.value, 10) || 0) + Number(button.dataset.step));
    input.value = String(next);
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
}

const nearMe = document.getElementById("near-me");
if (nearMe && "geolocation" in navigator) {
  nearMe.hidden = false;
  nearMe.addEventListener("click", () => {
    navigator.geolocation.getCurrentPosition((position) => {
      const { latitude, longitude } = position.coords;
      document.getElementById("near").value = `${latitude.toFixed(5)},${longitude.toFixed(5)}`;
      document.getElementById("facility-search").submit();
    });
  });
}
