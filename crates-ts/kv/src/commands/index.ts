// Importing this module registers every data command in the command table.
import './strings.js';
import './keys.js';
import './expire.js';
import './flush.js';
