// The language switch in an app's header: English or Lithuanian, remembered on this device.
import { setLanguage } from "./i18n.js";

export function bindLanguageSwitch(select, current) {
  if (!select) return;
  select.value = current;
  select.addEventListener("change", () => {
    setLanguage(select.value);
    location.reload();
  });
}
