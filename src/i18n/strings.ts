/**
 * The site's words in each language: headings, lede, navigation, figure captions and controls of
 * the article. English is the reference; every other table must have every key (a unit test checks
 * that none is missing or empty). Prose paragraphs live in the page files (src/pages/index.astro,
 * src/pages/ko/index.astro), which fill the article's slots.
 */
export const LANGS = ['en', 'ko'] as const;
export type Lang = (typeof LANGS)[number];

export const en = {
  'site.title': 'Show and Tell, live',
  'site.description': 'An interactive article on the Show and Tell image captioner (Vinyals et al., 2015), running in your browser with TensorFlow.js.',
  'nav.label': 'Site',
  'nav.skip': 'Skip to the article',
  'nav.article': 'Article',
  'nav.explore': 'Explore',
  'nav.present': 'Classroom',
  'nav.model': 'Model card',
  'nav.language': 'Language',
  'nav.theme': 'Colours',
  'theme.auto': 'Auto',
  'theme.light': 'Light',
  'theme.dark': 'Dark',
  'article.lede': 'A neural network that looks at a photo and writes a sentence about it — explained from the ground up, and running right here, in your browser.',
  'article.byline': 'After Vinyals, Toshev, Bengio and Erhan, “Show and Tell: A Neural Image Caption Generator”, CVPR 2015.',
  'article.toc': 'Contents',
  's1.title': 'Image to sentence, as translation',
  's2.title': 'The objective: the probability of a sentence',
  's3.title': 'The encoder: what the CNN sees',
  's4.title': 'The decoder’s memory: an LSTM and its gates',
  's5.title': 'Training: the image goes in once',
  's6.title': 'Inference: sampling against beam search',
  's7.title': 'Datasets and metrics',
  's8.title': 'Words as vectors: horse, pony, donkey',
  's9.title': 'Limits and failure cases',
  's10.title': 'Further reading',
  'fig.caption': 'Figure 1. The captioner on an example photo, or on yours. Beam search (k = 3) writes the caption; the bars are the encoder’s strongest COCO classes.',
  'fig.picker': 'Figure 2. Every figure below follows this image. Pick an example, or use your own photo or the webcam: it never leaves your device.',
  'fig.gates': 'Figure 3. The six LSTM vectors at every step of the caption: one row per unit, one column per step; the photo’s step is set apart on the left.',
  'fig.controls': 'The decoder settings: the stepper, the comparison and the tree below follow them.',
  'fig.stepper': 'Figure 4. The caption, one word at a time: p_t over the vocabulary at each step, the three decoders side by side, and the chain rule with this caption’s numbers.',
  'fig.beam': 'Figure 5. Beam search keeps the k best partial captions at every step; pruned candidates fade, and the best finished caption is marked.',
  'fig.metrics': 'Table 1. Our decoder on the Flickr8k test split, beside published results (BLEU × 100). Our rows are read from public/models/eval/metrics.json at build time.',
  'fig.embeddings': 'Figure 6. The learned word embeddings in two dimensions (UMAP). Search for horse, pony and donkey.',
  'metrics.decoder': 'decoder',
  'metrics.ours': 'ours',
  'metrics.measured': 'Measured by `npm run eval`',
  'share.copy': 'Copy link to this step',
  'share.copied': 'Link copied.',
  'share.manual': 'Copy this link (it is selected):',
  'share.notes': 'Some of the link’s settings were not valid, so their defaults are used:',
  'export.svg': 'Export SVG',
  'export.png': 'Export PNG',
  'export.label': 'Export this figure',
  'export.done': 'Saved',
  'export.none': 'This figure has nothing to export yet.',
  'live.precomputed': 'These figures show a precomputed decoding of the example photo. The live model (about 4 MB) runs every figure on any photo, including yours.',
  'live.start': 'Run the live model',
  'live.loading': 'Loading the live model…',
  'live.ready': 'The live model is running: every figure follows your changes.',
  'live.error': 'The live model could not load; the article and its precomputed figures still read fine.',
  'present.link': 'Use these figures in class: classroom mode',
  'footer.source': 'Open source. Every number on this page comes from a command in the repository.',
} as const;

export type StringKey = keyof typeof en;
export type Strings = Record<StringKey, string>;

export const ko: Strings = {
  'site.title': 'Show and Tell, 라이브',
  'site.description': 'Show and Tell 이미지 캡셔닝 모델(Vinyals 외, 2015)을 브라우저에서 TensorFlow.js로 직접 돌려 보며 배우는 인터랙티브 글.',
  'nav.label': '사이트',
  'nav.skip': '본문으로 건너뛰기',
  'nav.article': '글',
  'nav.explore': '탐색',
  'nav.present': '수업 모드',
  'nav.model': '모델 카드',
  'nav.language': '언어',
  'nav.theme': '색상',
  'theme.auto': '자동',
  'theme.light': '밝게',
  'theme.dark': '어둡게',
  'article.lede': '사진을 보고 그 사진을 설명하는 문장을 쓰는 신경망을 처음부터 차근차근 설명합니다. 모델은 바로 이 브라우저 안에서 돌아갑니다.',
  'article.byline': 'Vinyals, Toshev, Bengio, Erhan, 「Show and Tell: A Neural Image Caption Generator」, CVPR 2015를 따라갑니다.',
  'article.toc': '목차',
  's1.title': '번역으로서의 이미지-문장 변환',
  's2.title': '목적 함수: 문장의 확률',
  's3.title': '인코더: CNN이 보는 것',
  's4.title': '디코더의 기억: LSTM과 게이트',
  's5.title': '학습: 이미지는 한 번만 들어간다',
  's6.title': '추론: 샘플링과 빔 서치',
  's7.title': '데이터셋과 평가 지표',
  's8.title': '벡터로서의 단어: horse, pony, donkey',
  's9.title': '한계와 실패 사례',
  's10.title': '더 읽을거리',
  'fig.caption': '그림 1. 예시 사진(또는 여러분의 사진)에 대한 캡션. 빔 서치(k = 3)가 문장을 만들고, 막대는 인코더가 가장 강하게 감지한 COCO 클래스입니다.',
  'fig.picker': '그림 2. 아래의 모든 그림은 이 이미지를 따릅니다. 예시를 고르거나 직접 찍은 사진·웹캠을 쓰세요. 사진은 기기 밖으로 나가지 않습니다.',
  'fig.gates': '그림 3. 캡션의 매 단계에서 LSTM의 여섯 벡터: 행은 유닛, 열은 단계이며, 사진이 들어가는 단계는 왼쪽에 따로 있습니다.',
  'fig.controls': '디코더 설정: 아래의 스테퍼, 비교, 트리가 이 설정을 따릅니다.',
  'fig.stepper': '그림 4. 한 단어씩 만들어지는 캡션: 단계마다 어휘 전체에 대한 p_t, 세 디코더의 비교, 그리고 이 캡션의 숫자로 쓴 연쇄 법칙.',
  'fig.beam': '그림 5. 빔 서치는 매 단계 가장 좋은 k개의 부분 문장만 남깁니다. 가지치기된 후보는 흐리게, 가장 좋은 완성 문장은 강조해 보여 줍니다.',
  'fig.metrics': '표 1. Flickr8k 테스트 세트에서 우리 디코더와 발표된 결과 비교(BLEU × 100). 우리 수치는 빌드할 때 public/models/eval/metrics.json에서 읽습니다.',
  'fig.embeddings': '그림 6. 학습된 단어 임베딩을 2차원으로 펼친 지도(UMAP). horse, pony, donkey를 찾아보세요.',
  'metrics.decoder': '디코더',
  'metrics.ours': '우리 모델',
  'metrics.measured': '`npm run eval`로 측정',
  'share.copy': '이 단계의 링크 복사',
  'share.copied': '링크를 복사했습니다.',
  'share.manual': '이 링크를 복사하세요(선택되어 있습니다):',
  'share.notes': '링크의 일부 설정이 올바르지 않아 기본값을 사용합니다:',
  'export.svg': 'SVG로 저장',
  'export.png': 'PNG로 저장',
  'export.label': '이 그림 내보내기',
  'export.done': '저장함',
  'export.none': '이 그림에는 아직 내보낼 것이 없습니다.',
  'live.precomputed': '지금 그림들은 예시 사진을 미리 계산한 결과입니다. 라이브 모델(약 4 MB)을 켜면 여러분의 사진을 포함해 어떤 사진이든 모든 그림이 직접 계산됩니다.',
  'live.start': '라이브 모델 실행',
  'live.loading': '라이브 모델을 불러오는 중…',
  'live.ready': '라이브 모델이 실행 중입니다. 모든 그림이 여러분의 조작을 따라갑니다.',
  'live.error': '라이브 모델을 불러오지 못했습니다. 글과 미리 계산한 그림은 그대로 읽을 수 있습니다.',
  'present.link': '수업에서 이 그림들을 쓰려면: 수업 모드',
  'footer.source': '오픈 소스입니다. 이 페이지의 모든 숫자는 저장소의 명령으로 만들어졌습니다.',
};

export const TABLES: Record<Lang, Strings> = { en, ko };

/** The translator for one language. */
export function useStrings(lang: Lang): (key: StringKey) => string {
  const table = TABLES[lang];
  return (key) => table[key];
}

/** Where the same page lives in another language ('/' ↔ '/ko/'), under the site's base. */
export function localisedPath(base: string, lang: Lang, page = ''): string {
  const root = base.endsWith('/') ? base : `${base}/`;
  return `${root}${lang === 'en' ? '' : `${lang}/`}${page}`;
}

export const LANGUAGE_NAMES: Record<Lang, string> = { en: 'English', ko: '한국어' };
