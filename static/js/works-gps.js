// "Use my location": fills the latitude/longitude fields next to a [data-gps] button from the device's GPS.
(function () {
  document.querySelectorAll("[data-gps]").forEach(function (button) {
    if (!navigator.geolocation) { button.hidden = true; return; }
    button.addEventListener("click", function () {
      var box = button.closest(".gps");
      navigator.geolocation.getCurrentPosition(function (position) {
        box.querySelector("input[name=latitude]").value = position.coords.latitude.toFixed(6);
        box.querySelector("input[name=longitude]").value = position.coords.longitude.toFixed(6);
      }, function (error) { alert(error.message); }, { enableHighAccuracy: true, timeout: 15000 });
    });
  });
})();
