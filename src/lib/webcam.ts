/**
 * The webcam, on the reader's terms: the camera is asked for only when they press the button, the
 * stream stops as soon as a frame is taken (or they leave the webcam tab, or the page), and the frame
 * becomes RGB pixels in this tab — nothing is recorded or sent anywhere.
 */
import type { RgbImage } from '../model/encoder';
import { fitWithin, MAX_SIDE, rgbaToRgb } from './image-decode';

/** A sentence for each way getUserMedia fails (DOMException names from the Media Capture spec). */
export function cameraErrorMessage(error: unknown): string {
  const name = typeof error === 'object' && error !== null && 'name' in error ? String((error as { name: unknown }).name) : '';
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
      return 'The camera was not allowed. You can allow it in the browser’s site settings (the icon left of the address) and press “Start the camera” again — or pick an example or your own file instead.';
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return 'No camera was found on this device. Pick an example or upload a photo instead.';
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return 'The camera is busy or could not start (another app may be using it). Close that app and try again, or upload a photo instead.';
    case 'SecurityError':
    case 'NoCameraApi':
      return 'This browser offers no camera to this page (camera access needs a secure https:// page). Pick an example or upload a photo instead.';
    default:
      return 'The camera could not start. Pick an example or upload a photo instead.';
  }
}

export interface CameraDevices {
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
}

/** navigator.mediaDevices where the browser offers it (it is undefined on plain-http pages). */
export function browserCamera(): CameraDevices | null {
  // mediaDevices is missing (undefined at run time, whatever the types say) on insecure pages.
  const devices = typeof navigator !== 'undefined' ? (navigator.mediaDevices as MediaDevices | undefined) : undefined;
  return typeof devices?.getUserMedia === 'function' ? devices : null;
}

export class Webcam {
  private stream: MediaStream | null = null;
  /** Called whenever the camera starts or stops (also when the reader unplugs it). */
  onChange: (live: boolean) => void = () => {};

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly devices: CameraDevices | null = browserCamera(),
  ) {}

  get live(): boolean {
    return this.stream !== null;
  }

  /** Asks for the camera and shows it in the video element. Rejects with the browser's error. */
  async start(): Promise<void> {
    if (this.stream) return;
    if (!this.devices) throw Object.assign(new Error('no mediaDevices'), { name: 'NoCameraApi' });
    const stream = await this.devices.getUserMedia({ video: { facingMode: 'user', width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false });
    this.stream = stream;
    for (const track of stream.getTracks()) track.addEventListener('ended', () => this.stop());
    this.video.srcObject = stream;
    this.video.muted = true;
    this.video.playsInline = true;
    try {
      await this.video.play();
      await this.firstFrame();
    } catch (e) {
      this.stop();
      throw e;
    }
    this.onChange(true);
  }

  /** Resolves once the video has a frame (videoWidth is 0 until then). */
  private firstFrame(): Promise<void> {
    if (this.video.videoWidth > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(Object.assign(new Error('no frame from the camera'), { name: 'NotReadableError' })), 10_000);
      this.video.addEventListener(
        'loadeddata',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }

  /** Takes the current frame as RGB (capped at MAX_SIDE like uploads) and stops the camera. */
  capture(): { image: RgbImage; canvas: HTMLCanvasElement } {
    if (!this.stream || this.video.videoWidth === 0) throw new Error('the camera is not running');
    const { width, height } = fitWithin(this.video.videoWidth, this.video.videoHeight, MAX_SIDE);
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('this browser gives no 2D canvas');
    ctx.drawImage(this.video, 0, 0, width, height);
    const image = rgbaToRgb(ctx.getImageData(0, 0, width, height).data, width, height);
    this.stop();
    return { image, canvas };
  }

  /** Stops every track: the camera light goes off. Safe to call at any time. */
  stop(): void {
    const stream = this.stream;
    if (!stream) return;
    this.stream = null;
    for (const track of stream.getTracks()) track.stop();
    this.video.pause();
    this.video.srcObject = null;
    this.onChange(false);
  }
}
