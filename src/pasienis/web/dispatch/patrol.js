
// Scheduled tasks of the next seven days, planned against unit shifts; conflicts stand out.
export async function showSchedule() {
  const list = $("#schedule-list");
  const start = new Date();
  const end = new Date(start.getTime() + 7 * 86400 * 1000);
  const query = `start=${encodeURIComponent(start.toISOString())}&end=${encodeURIComponent(end.toISOString())}`;
  let occurrences;
  try {
    occurrences = await api(`/api/planning/occurrences?${query}`);
  } catch (error) {
    list.textContent = error.message;
    return;
  }
  list.innerHTML = "";
  const conflicts = occurrences.filter((o) => o.conflicts.length).length;
  $("#schedule-status").textContent = t("schedule.summary", { n: occurrences.length, conflicts });
  for (const occ of occurrences) {
    const item = document.createElement("li");
    item.className = occ.conflicts.length ? "conflict" : "";
    const unit = occ.unit_id ? t("schedule.unit_planned") : t("schedule.unit_none");
    item.innerHTML = `<strong>${escape(occ.title)}</strong> ${escape(formatTime(occ.starts_at))}
      <div class="muted">${escape(unit)}${occ.task_id ? ` · ${escape(t("schedule.task_made"))}` : ""}</div>
      ${occ.conflicts.map((c) => `<div class="error">${escape(c)}</div>`).join("")}`;
    list.append(item);
  }
  $("#schedule-make").onclick = async () => {
    await api(`/api/planning/occurrences/materialise?${query}`, { method: "POST" });
    await showSchedule();
  };
}
