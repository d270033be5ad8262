/**
 * The 48-bit linear congruential generator behind Redis's math.random once a script called
 * math.randomseed (Redis rand.c redisSrand48 / redisLrand48, the drand48 family's constants),
 * so that a seeded script draws the same numbers as on Redis.
 */

const A = 0x5deece66dn;
const C = 0xbn;
const MASK_48 = (1n << 48n) - 1n;
/** srand48's low 16 bits of the state. */
const SEED_LOW = 0x330en;
/** REDIS_LRAND48_MAX (INT32_MAX): math.random divides by it. */
export const LRAND48_MAX = 2147483647;

export class Rand48 {
  private x: bigint;

  constructor(seed: number) {
    this.x = (BigInt.asUintN(32, BigInt(seed)) << 16n) | SEED_LOW;
  }

  /** lrand48: the next 31-bit value. */
  next(): number {
    this.x = (this.x * A + C) & MASK_48;
    return Number(this.x >> 17n);
  }

  /** math.random's [0, 1) value: (lrand48() % MAX) / MAX. */
  nextUnit(): number {
    return (this.next() % LRAND48_MAX) / LRAND48_MAX;
  }
}
