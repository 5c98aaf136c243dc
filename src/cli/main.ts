import { UpgradeError } from '../lib/errors.js';
console.log(new UpgradeError({ input: 'x' }, 'y').message);
