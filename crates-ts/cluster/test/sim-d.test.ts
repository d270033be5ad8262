// The simulator of production code over seeds 1500..1999 (see sim-a.test.ts).
import t from 'tap';
import { checkSeeds } from './sim/seeds.js';

t.test('seeds 1500..1999', (t) => checkSeeds(t, 1500, 500));
