// Sign-in form shown when there is no session; resolves with the signed-in user.
import { ApiError, currentUser, login } from "./api.js";
import { t } from "./i18n.js";

export async function ensureSignedIn(container) {
  const user = await currentUser();
  if (user) return user;
  return new Promise((resolve) => {
    container.innerHTML = `
      <form class="login" id="login-form">
        <h1>pasienis</h1>
        <label>${t("login.name")}<input name="name" autocomplete="username" required></label>
        <label>${t("login.password")}<input name="password" type="password"
          autocomplete="current-password" required></label>
        <button type="submit">${t("login.submit")}</button>
        <p class="error" role="alert"></p>
      </form>`;
    const form = container.querySelector("#login-form");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      try {
        await login(data.get("name"), data.get("password"));
        container.innerHTML = "";
        resolve(await currentUser());
      } catch (error) {
        const message = error instanceof ApiError ? error.message : t("error.network");
        form.querySelector(".error").textContent = message;
      }
    });
  });
}
