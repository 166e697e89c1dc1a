// Pairing this phone: a one-time token from a link (`/web/field/#pair=ppt_...`), pasted or
// scanned off the admin app's QR code with the browser's BarcodeDetector where it exists
// (Chrome on Android); elsewhere the phone's own camera app opens the link, or it is pasted.
import { api } from "/web/common/api.js";

const PREFIX = "ppt_";

// The token in a pairing link, a bare token, or null.
export function pairingToken(text) {
  const value = String(text || "").trim();
  const at = value.indexOf("#pair=");
  const token = at >= 0 ? value.slice(at + "#pair=".length) : value;
  return token.startsWith(PREFIX) && /^[A-Za-z0-9_-]+$/.test(token) ? token : null;
}

export function redeemPairing(token) {
  return api("/api/ops/pair", { method: "POST", body: { token } });
}

// Camera preview in `video` until a QR code holding a pairing token is seen; the token.
export async function startScanner(video, { interval = 250 } = {}) {
  const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: "environment" }, audio: false });
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  try {
    for (;;) {
      for (const code of await detector.detect(video)) {
        const token = pairingToken(code.rawValue);
        if (token) return token;
      }
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  } finally {
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
    video.hidden = true;
  }
}
