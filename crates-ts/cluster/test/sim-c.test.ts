// The simulator of production code over seeds 1000..1499 (see sim-a.test.ts).
import t from 'tap';
import { checkSeeds } from './sim/seeds.js';

t.test('seeds 1000..1499', (t) => checkSeeds(t, 1000, 500));
