var __webpack_exports__ = {};

;// CONCATENATED MODULE: ./build/lib/errors.js
class UpgradeError extends Error {
    origin;
    constructor(origin, detail, options) {
        super(`${describeOrigin(origin)}: ${detail}`, options);
        this.name = 'UpgradeError';
        this.origin = origin;
    }
}
function describeOrigin(origin) {
    return 'input' in origin ? `input '${origin.input}'` : origin.step;
}
function inputError(input, detail, cause) {
    return new UpgradeError({ input }, detail, cause === undefined ? undefined : { cause });
}
function stepError(step, detail, cause) {
    return new UpgradeError({ step }, detail, cause === undefined ? undefined : { cause });
}
/** One line for the user: our own errors as they are, anything else with its type kept. */
function errorMessage(error) {
    if (error instanceof UpgradeError)
        return error.message;
    if (error instanceof Error)
        return `unexpected ${error.name}: ${error.message}`;
    return `unexpected failure: ${String(error)}`;
}

;// CONCATENATED MODULE: ./build/cli/main.js

console.log(new UpgradeError({ input: 'x' }, 'y').message);

