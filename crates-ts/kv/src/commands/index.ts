// Importing this module registers every data command in the command table.
import './strings.js';
import './keys.js';
import './expire.js';
import './flush.js';
import './lists.js';
import './zsets.js';
import './zset-algebra.js';
import './hashes.js';
import './sets.js';
import './bitmaps.js';
import './sort.js';
import './blocking.js';
import './dump.js';
import './memory-usage.js';
import './hyperloglog.js';
import './geo.js';
import './swapdb.js';
