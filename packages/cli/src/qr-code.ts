import qrcode from "qrcode-terminal";

/** The URL as a QR code made of text, for scanning with a phone. */
export function renderQrCode(text: string): Promise<string> {
  return new Promise((resolve) => qrcode.generate(text, { small: true }, (qr: string) => resolve(qr)));
}
