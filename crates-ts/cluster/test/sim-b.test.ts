// The simulator of production code over seeds 500..999 (see sim-a.test.ts).
import t from 'tap';
import { checkSeeds } from './sim/seeds.js';

t.test('seeds 500..999', (t) => checkSeeds(t, 500, 500));
