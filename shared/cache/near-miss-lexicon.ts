/**
 * Word lists for the near-miss guard (content-tokens.ts, near-miss-guard.ts). Surface forms here;
 * content-tokens.ts stems them once at load. Adding a synonym widens what may be served for a
 * question, so only add words that never change the answer; near-miss-lexicon.test.ts checks that
 * no synonym group joins an antonym pair.
 */

/** Multi-word rewrites applied before anything else (longest match first); `[]` deletes. */
export const PHRASES: ReadonlyArray<readonly [string, string]> = [
  ['turn on', 'enable'], ['switch on', 'enable'], ['turn off', 'disable'], ['switch off', 'disable'],
  ['log in', 'login'], ['log into', 'login to'], ['log on', 'login'], ['sign in', 'login'], ['sign into', 'login to'],
  ['log out', 'logout'], ['log off', 'logout'], ['sign out', 'logout'],
  ['sign up', 'signup'], ['zoom in', 'zoomin'], ['zoom out', 'zoomout'], ['speed up', 'speedup'], ['slow down', 'slowdown'],
  ['set up', 'setup'], ['back up', 'backup'], ['cool down', 'cooldown'], ['warm up', 'warmup'], ['well done', 'welldone'],
  ['how to', 'how'], ['steps to', 'how'], ['what is the best way to', 'how'], ['what is the way to', 'how'],
  ['is there a way to', 'how'], ['what do i need to do to', 'how'], ['how should i', 'how'],
  ['is it possible to', 'can'], ['am i able to', 'can'], ['going to', 'will'], ['gonna', 'will'],
  ['have to', 'must'], ['need to', 'must'], ['what do i need to', 'what must i'],
  ['in simple terms', 'simply'], ['give me a summary of', 'summarize'], ['a summary of', 'summarize'],
  ['tell me', ''], ['give me', ''], ['show me', ''], ['can you', ''], ['could you', ''], ['would you', ''],
  ['i want to', ''], ['i would like to', ''], ['i would like', ''], ['do you know', ''], ['is there', ''],
  ['do you have', ''], ['do you offer', ''], ['are there', ''], ['no one', 'nobody'],
  ['e mail', 'email'], ['wi fi', 'wifi'], ['email address', 'email'], ['apply for', 'request'], ['thank you', ''],
];

/** Words that carry no meaning for the answer: articles, pronouns of the asker, auxiliaries, politeness. */
export const DROP_WORDS: readonly string[] = [
  'a', 'an', 'the', 'of', 'for', 'and', 'is', 'are', 'am', 'be', 'been', 'being', 'do', 'does',
  'i', 'me', 'my', 'mine', 'myself', 'we', 'us', 'our', 'ours', 'you', 'your', 'yours', 'yourself',
  'it', 'its', 'this', 'that', 'these', 'those', 'there', 'can', 'could', 'would', 'may', 'might', 'have', 'has',
  'please', 'pls', 'kindly', 'hi', 'hello', 'hey', 'thanks', 'thx', 'just', 'really', 'actually',
  'basically', 'exactly', 'so', 'very', 'any', 'some', 'also', 'ok', 'okay', 'um', 'still',
];

/** Negations become the token `not` (plus the positive word, where there is one). */
export const NEGATIONS: Readonly<Record<string, readonly string[]>> = {
  not: ['not'], no: ['not'], never: ['not', 'ever'], none: ['not', 'any'], nothing: ['not', 'anything'],
  nobody: ['not', 'anyone'], nowhere: ['not', 'anywhere'], neither: ['not', 'either'], nor: ['not', 'or'],
  cannot: ['can', 'not'], without: ['not', 'with'],
};

/** Tense markers: the same question about another time has another answer. */
export const TENSE_WORDS: Readonly<Record<string, string>> = {
  was: 'past', were: 'past', did: 'past', had: 'past', will: 'future', shall: 'future',
};

/** Spelled numbers become digits (fixed tokens). "second" is left alone: it is also a unit of time. */
export const NUMBER_WORDS: Readonly<Record<string, string>> = {
  zero: '0', one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8', nine: '9',
  ten: '10', eleven: '11', twelve: '12', thirteen: '13', fourteen: '14', fifteen: '15', sixteen: '16',
  seventeen: '17', eighteen: '18', nineteen: '19', twenty: '20', thirty: '30', forty: '40', fifty: '50',
  sixty: '60', seventy: '70', eighty: '80', ninety: '90', hundred: '100', thousand: '1000', million: '1000000',
  billion: '1000000000', first: '1st', third: '3rd', fourth: '4th', fifth: '5th', sixth: '6th', seventh: '7th',
  eighth: '8th', ninth: '9th', tenth: '10th', half: '0.5', dozen: '12',
};

/** Units, currencies and languages: fixed tokens (their order is meaning: "°F to °C"). */
export const UNITS: Readonly<Record<string, string>> = {
  degc: 'celsius', celsius: 'celsius', centigrade: 'celsius', degf: 'fahrenheit', fahrenheit: 'fahrenheit',
  degk: 'kelvin', kelvin: 'kelvin', km: 'km', kms: 'km', kilometer: 'km', kilometers: 'km', kilometre: 'km',
  kilometres: 'km', mi: 'mile', mile: 'mile', miles: 'mile', m: 'meter', meter: 'meter', meters: 'meter',
  metre: 'meter', metres: 'meter', cm: 'cm', centimeter: 'cm', centimeters: 'cm', centimetre: 'cm',
  centimetres: 'cm', mm: 'mm', inch: 'inch', inches: 'inch', ft: 'foot', foot: 'foot', feet: 'foot',
  kg: 'kg', kgs: 'kg', kilo: 'kg', kilos: 'kg', kilogram: 'kg', kilograms: 'kg', g: 'gram', gram: 'gram',
  grams: 'gram', lb: 'pound', lbs: 'pound', pound: 'pound', pounds: 'pound', oz: 'ounce', ounce: 'ounce',
  ounces: 'ounce', l: 'liter', liter: 'liter', liters: 'liter', litre: 'liter', litres: 'liter', ml: 'ml',
  gallon: 'gallon', gallons: 'gallon', cup: 'cup', cups: 'cup', tbsp: 'tbsp', tablespoon: 'tbsp',
  tablespoons: 'tbsp', tsp: 'tsp', teaspoon: 'tsp', teaspoons: 'tsp', usd: 'usd', dollar: 'usd',
  dollars: 'usd', eur: 'eur', euro: 'eur', euros: 'eur', gbp: 'gbp', jpy: 'jpy', yen: 'jpy', gb: 'gb',
  mb: 'mb', tb: 'tb', kb: 'kb', percent: 'percent', am: 'am', pm: 'pm', mph: 'mph', kmh: 'kmh',
  english: 'english', french: 'french', spanish: 'spanish', german: 'german', italian: 'italian',
  portuguese: 'portuguese', dutch: 'dutch', russian: 'russian', chinese: 'chinese', mandarin: 'chinese',
  japanese: 'japanese', korean: 'korean', arabic: 'arabic', hindi: 'hindi', polish: 'polish', turkish: 'turkish',
};

/** Currency symbols, written after their amount (`$500` -> `500 usd`). */
export const CURRENCY_SYMBOLS: Readonly<Record<string, string>> = { $: 'usd', '€': 'eur', '£': 'gbp', '¥': 'jpy' };

/** Groups of interchangeable words; every member maps to the first. */
export const SYNONYMS: ReadonlyArray<readonly string[]> = [
  ['enable', 'activate'], ['disable', 'deactivate'], ['login', 'signin', 'logon'], ['logout', 'signout', 'logoff'],
  ['signup', 'register'], ['change', 'update', 'modify', 'edit'], ['delete', 'remove', 'erase'],
  ['fix', 'repair'], ['buy', 'purchase'], ['price', 'cost'], ['package', 'parcel'],
  ['shipping', 'delivery', 'shipment'], ['large', 'big'], ['fast', 'quick'], ['fastest', 'quickest'],
  ['tallest', 'highest'], ['start', 'begin'], ['picture', 'photo', 'image', 'pic'], ['movie', 'film'],
  ['phone', 'cellphone', 'smartphone'], ['sea', 'ocean'], ['restore', 'recover'], ['request', 'ask'],
  ['recommend', 'suggest'], ['contact', 'reach'], ['summarize', 'summarise', 'summary'],
  ['what', 'which', 'explain', 'define'], ['author', 'writer'], ['int', 'integer'], ['repo', 'repository'],
  ['canceled', 'cancelled'], ['color', 'colour'], ['organize', 'organise'], ['favorite', 'favourite'],
  ['center', 'centre'], ['analyze', 'analyse'], ['realize', 'realise'], ['gray', 'grey'], ['theater', 'theatre'],
  ['2fa', 'twofactor', 'mfa'], ['wifi', 'wlan'], ['email', 'mail'], ['error', 'issue', 'problem'],
];

/** Pairs whose members answer opposite questions (used to name the reason, and checked against SYNONYMS). */
export const ANTONYMS: ReadonlyArray<readonly [string, string]> = [
  ['enable', 'disable'], ['install', 'uninstall'], ['open', 'close'], ['increase', 'decrease'], ['lock', 'unlock'],
  ['subscribe', 'unsubscribe'], ['mute', 'unmute'], ['encrypt', 'decrypt'], ['compress', 'decompress'],
  ['archive', 'unarchive'], ['follow', 'unfollow'], ['hide', 'unhide'], ['show', 'hide'], ['block', 'unblock'],
  ['upload', 'download'], ['login', 'logout'], ['connect', 'disconnect'], ['zoomin', 'zoomout'], ['add', 'remove'],
  ['add', 'delete'], ['buy', 'sell'], ['import', 'export'], ['advantage', 'disadvantage'], ['pro', 'con'],
  ['gain', 'lose'], ['raise', 'lower'], ['increase', 'reduce'], ['start', 'stop'], ['accept', 'decline'],
  ['accept', 'reject'], ['approve', 'reject'], ['pause', 'resume'], ['maximize', 'minimize'], ['minimum', 'maximum'],
  ['attach', 'detach'], ['freeze', 'unfreeze'], ['pin', 'unpin'], ['merge', 'split'], ['speedup', 'slowdown'],
  ['high', 'low'], ['encode', 'decode'], ['expand', 'collapse'], ['warmup', 'cooldown'], ['hot', 'cold'],
  ['warm', 'cold'], ['before', 'after'], ['today', 'tomorrow'], ['today', 'yesterday'], ['valid', 'invalid'],
  ['legal', 'illegal'], ['healthy', 'unhealthy'], ['include', 'exclude'], ['allow', 'deny'], ['allow', 'block'],
  ['win', 'lose'], ['true', 'false'], ['up', 'down'], ['in', 'out'], ['on', 'off'], ['push', 'pull'],
  ['send', 'receive'], ['enter', 'exit'], ['first', 'last'], ['next', 'previous'], ['old', 'new'],
  ['more', 'less'], ['most', 'least'], ['best', 'worst'], ['above', 'below'], ['early', 'late'],
  ['morning', 'evening'], ['plus', 'minus'], ['positive', 'negative'], ['credit', 'debit'],
  ['deposit', 'withdraw'], ['borrow', 'lend'], ['ascending', 'descending'], ['online', 'offline'],
  ['public', 'private'], ['read', 'write'], ['left', 'right'], ['top', 'bottom'], ['inside', 'outside'],
  ['to', 'from'], ['straight', 'curly'], ['rare', 'welldone'], ['formal', 'casual'], ['past', 'future'],
];
