// An import running in the background: its page polls the import's state every second, moves
// the progress bar and the count of rows read, and reads the page again once the import ends
// (the page then shows the preview or the result). Without JavaScript, reloading does the same.
const section = document.querySelector("[data-import-job]");
const POLL_MS = 1000;
const RUNNING = ["queued", "running"];

if (section) {
  const id = Number(section.dataset.importJob);
  const bar = section.querySelector("#import-progress");
  const rows = section.querySelector("[data-rows-text]");

  const poll = async () => {
    let answer;
    try {
      answer = await fetch(`/api/v1/imports/${id}`, { headers: { Accept: "application/json" } });
    } catch {
      setTimeout(poll, POLL_MS * 5); // offline a moment: try again later
      return;
    }
    if (!answer.ok) return;
    const job = await answer.json();
    if (!RUNNING.includes(job.status)) {
      window.location.reload();
      return;
    }
    if (bar) bar.value = Math.round(100 * job.progress);
    if (rows) rows.textContent = rows.dataset.rowsText.replace("{n}", job.rows_done);
    setTimeout(poll, POLL_MS);
  };
  setTimeout(poll, POLL_MS);
}
