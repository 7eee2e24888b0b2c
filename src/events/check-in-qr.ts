import QRCode from 'qrcode';

/** The QR code of a check-in code, as an SVG data URL (shown on "my events", the guest pages; read by the door scanner). */
export async function checkInQr(code: string): Promise<string> {
  const svg = await QRCode.toString(code, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/** The QR code as a PNG (for mail links and the browser test's fake camera). */
export function checkInQrPng(code: string): Promise<Buffer> {
  return QRCode.toBuffer(code, { type: 'png', errorCorrectionLevel: 'M', margin: 4, scale: 8 });
}
