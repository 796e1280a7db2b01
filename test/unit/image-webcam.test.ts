/** The webcam wrapper: messages for each failure, and the stream stopped when it should be. */
import { describe, expect, test, vi } from 'vitest';
import { cameraErrorMessage, Webcam, type CameraDevices } from '../../src/lib/webcam';

const domError = (name: string) => Object.assign(new Error(name), { name });

describe('cameraErrorMessage', () => {
  test('a sentence for denied, absent, busy and insecure', () => {
    expect(cameraErrorMessage(domError('NotAllowedError'))).toMatch(/not allowed.*site settings/);
    expect(cameraErrorMessage(domError('NotFoundError'))).toMatch(/No camera was found/);
    expect(cameraErrorMessage(domError('NotReadableError'))).toMatch(/busy/);
    expect(cameraErrorMessage(domError('SecurityError'))).toMatch(/https/);
    expect(cameraErrorMessage('weird')).toMatch(/could not start/);
    expect(cameraErrorMessage(null)).toMatch(/could not start/);
  });
});

/** A stand-in for the video element and a MediaStream, enough for start/stop. */
function fakes(videoWidth = 640) {
  const track = { stop: vi.fn(), addEventListener: vi.fn() };
  const stream = { getTracks: () => [track] } as unknown as MediaStream;
  const video = { srcObject: null as unknown, muted: false, playsInline: false, videoWidth, videoHeight: 480, play: vi.fn(async () => {}), pause: vi.fn(), addEventListener: vi.fn() };
  return { track, stream, video: video as unknown as HTMLVideoElement & typeof video };
}

describe('Webcam', () => {
  test('asks for the camera only on start, and stop turns every track off', async () => {
    const { track, stream, video } = fakes();
    const getUserMedia = vi.fn(async () => stream);
    const cam = new Webcam(video, { getUserMedia });
    const changes: boolean[] = [];
    cam.onChange = (live) => changes.push(live);
    expect(getUserMedia).not.toHaveBeenCalled();
    await cam.start();
    expect(getUserMedia).toHaveBeenCalledWith(expect.objectContaining({ audio: false }));
    expect(cam.live).toBe(true);
    expect(video.srcObject).toBe(stream);
    cam.stop();
    expect(track.stop).toHaveBeenCalledTimes(1);
    expect(video.srcObject).toBeNull();
    expect(cam.live).toBe(false);
    expect(changes).toEqual([true, false]);
    cam.stop(); // idempotent
    expect(track.stop).toHaveBeenCalledTimes(1);
  });

  test('a refused camera rejects with the browser error and leaves nothing running', async () => {
    const { video } = fakes();
    const devices: CameraDevices = { getUserMedia: async () => Promise.reject(domError('NotAllowedError')) };
    const cam = new Webcam(video, devices);
    await expect(cam.start()).rejects.toMatchObject({ name: 'NotAllowedError' });
    expect(cam.live).toBe(false);
  });

  test('no camera API (insecure page) rejects with a named error', async () => {
    const { video } = fakes();
    const cam = new Webcam(video, null);
    const e = await cam.start().catch((err: unknown) => err);
    expect(cameraErrorMessage(e)).toMatch(/https/);
  });

  test('if the video cannot play, the stream is stopped again', async () => {
    const { track, stream, video } = fakes();
    video.play.mockRejectedValueOnce(domError('NotAllowedError'));
    const cam = new Webcam(video, { getUserMedia: async () => stream });
    await expect(cam.start()).rejects.toThrow();
    expect(track.stop).toHaveBeenCalled();
    expect(cam.live).toBe(false);
  });
});
