// Fake identities and identifiers. Names and ID numbers only ever go into
// profile values; every other identifier is made from digits/hex that cannot
// contain them (an 18-character ID number never fits inside a 12-digit
// account number, names have letters and a space).
import type { Rng } from './prng.ts';

export function customerId(n: number): string {
  return `C${String(n).padStart(6, '0')}`;
}

/** Unique per customer and slot; the last four digits are random so masks vary. */
export function accountId(customerNumber: number, slot: number, rng: Rng): string {
  return `ACC${String(customerNumber).padStart(7, '0')}${slot}${rng.digits(4)}`;
}

export function maskedAccountNo(account: string): string {
  return account.slice(-4);
}

/** Pseudonymous counterparty reference (docs/EVENTS.md: never a raw account number). */
export function counterpartyRef(rng: Rng): string {
  return `CP-${rng.hex(8)}`;
}

const SURNAMES = [
  'Wang', 'Li', 'Zhang', 'Liu', 'Chen', 'Yang', 'Huang', 'Zhao', 'Wu', 'Zhou',
  'Xu', 'Sun', 'Ma', 'Zhu', 'Hu', 'Guo', 'He', 'Lin', 'Gao', 'Luo', 'Zheng', 'Liang', 'Xie', 'Song', 'Tang',
];
const GIVEN = [
  'Wei', 'Fang', 'Na', 'Min', 'Jing', 'Li', 'Qiang', 'Lei', 'Jun', 'Yang', 'Yong', 'Yan', 'Jie', 'Juan',
  'Tao', 'Ming', 'Chao', 'Xiuying', 'Hua', 'Ping', 'Gang', 'Hui', 'Xin', 'Yu', 'Hao', 'Ting', 'Lan', 'Zihan',
  'Haoran', 'Yuxuan', 'Xiaoming', 'Jiahui', 'Shuang', 'Kai', 'Bo', 'Rui', 'Dan', 'Lu', 'Mei', 'Ning',
];

/** Pinyin full name with a one- or two-syllable given name, e.g. "Wang Xiaoming". */
export function fakeFullName(rng: Rng): string {
  const given = rng.chance(0.5) ? rng.pick(GIVEN) : `${rng.pick(GIVEN)}${rng.pick(GIVEN).toLowerCase()}`;
  return `${rng.pick(SURNAMES)} ${given}`;
}

// Real-looking administrative division codes (city districts).
const REGIONS = ['110101', '110105', '310101', '310115', '440103', '440305', '330102', '320102', '510104', '420102', '120101', '500103'];
const CHECK_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

/** 18-character resident ID (GB 11643): region, birth date, sequence, ISO 7064 check character. */
export function fakeIdNumber(birthDate: string, rng: Rng): string {
  const body = `${rng.pick(REGIONS)}${birthDate.replaceAll('-', '')}${rng.digits(3)}`;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body[i]) * (CHECK_WEIGHTS[i] as number);
  return body + CHECK_CHARS[sum % 11];
}

export function relationshipManagerId(rng: Rng): string {
  return `RM-${String(rng.int(1, 240)).padStart(4, '0')}`;
}
