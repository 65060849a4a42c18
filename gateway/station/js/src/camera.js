// The camera: frames from getUserMedia decoded by jsQR.
import jsQR from "jsqr";

let timer = null;

export async function startCamera(video, onText) {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  video.srcObject = stream;
  await video.play();
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  timer = setInterval(() => {
    if (!video.videoWidth) return;
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    ctx.drawImage(video, 0, 0);
    const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const hit = jsQR(img.data, img.width, img.height, { inversionAttempts: "dontInvert" });
    if (hit && hit.data) onText(hit.data);
  }, 150);
}

export function stopCamera(video) {
  clearInterval(timer);
  timer = null;
  const s = video.srcObject;
  if (s) s.getTracks().forEach((tr) => tr.stop());
  video.srcObject = null;
}
