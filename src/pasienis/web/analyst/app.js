// Analyst workbench: the shell (sign-in through web/common, header, nav, hash router).
//
// CONTRACT for page modules (pages/<page>.js), shared with the other half of the app:
//   URL hash `#/<page>/<arg1>/<arg2>...` loads `import("./pages/<page>.js")` and calls
//     export async function mount(root, app, args)   // root: an empty <div> inside <main>
//     export function unmount()                       // optional, called before the next page
//   args are the decoded path segments after the page name (strings).
//   `app` offers:
//     app.api(path, options)  -> Promise<JSON>  fetch with session cookie + CSRF header;
//                               options {method, body (object -> JSON, or FormData), headers,
//                               signal}; throws ApiError {status, problem, hint, message}
//     app.t(key, params)      -> string  i18n lookup (web/i18n/<lang>.json), `{name}` params
//     app.label(prefix, v)    -> string  translated label for a code value, or v itself
//     app.formatTime(iso)     -> string  shown in Europe/Vilnius
//     app.escape(text)        -> string  HTML-escape every server value before innerHTML
//     app.showError(el, err)  -> void    puts a readable message of an ApiError into el
//     app.navigate(hash)      -> void    e.g. app.navigate("#/profile/" + id)
//     app.selection           EventTarget with `.ids` (array of selected entity ids);
//                             app.selection.set(ids) replaces them and dispatches "change"
//                             (event.detail = {ids}); app.selection.add(ids) adds
//     app.user                the signed-in user from /api/auth/me {id, name, roles, ...}
//     app.language            "en" | "lt"
//   Pages must use only ES modules, no inline scripts/styles (strict CSP), and i18n keys
//   prefixed `analyst.` (analyst.map., analyst.timeline., analyst.imports., analyst.review.,
//   analyst.alerts. belong to the pages of the same names).
export {};
