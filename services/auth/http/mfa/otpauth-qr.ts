import QRCode from 'qrcode';

/**
 * An otpauth:// URI as a QR code, an SVG document drawn on this server by `qrcode` (no image
 * service ever sees the secret). Medium error correction, as authenticator apps scan it off a
 * screen; the SVG is paths only (no script, no style), so the page can adopt it under its CSP.
 */
export function otpauthQrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
