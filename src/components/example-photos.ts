/** Build-time data: the example photos and their credits, both read from public/examples/CREDITS.md. */
import creditsMarkdown from '../../public/examples/CREDITS.md?raw';
import { examplePhotos, parseCreditsMarkdown, resolveSameAsAbove } from '../lib/credits';

export const creditsBlocks = parseCreditsMarkdown(creditsMarkdown);
export const photos = resolveSameAsAbove(examplePhotos(creditsBlocks));
