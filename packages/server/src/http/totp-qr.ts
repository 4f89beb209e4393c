import qrcode from "qrcode-generator";

/**
 * The `otpauth://` URI as a QR code in an SVG data URI (the pages' CSP allows `data:` images;
 * the dashboard can show it the same way). Error correction M, as authenticator apps expect.
 */
export function qrCodeDataUri(text: string): string {
  const code = qrcode(0, "M");
  code.addData(text);
  code.make();
  const svg = code.createSvgTag({ cellSize: 4, margin: 4, scalable: true });
  return `data:image/svg+xml;base64,${Buffer.from(svg, "utf8").toString("base64")}`;
}
