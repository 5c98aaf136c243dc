import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 6982:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("crypto");

/***/ }),

/***/ 2250:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("dns");

/***/ }),

/***/ 4434:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("events");

/***/ }),

/***/ 9896:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("fs");

/***/ }),

/***/ 9278:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("net");

/***/ }),

/***/ 4589:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:assert");

/***/ }),

/***/ 6698:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:async_hooks");

/***/ }),

/***/ 4573:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:buffer");

/***/ }),

/***/ 1421:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");

/***/ }),

/***/ 7540:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:console");

/***/ }),

/***/ 7598:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");

/***/ }),

/***/ 3053:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:diagnostics_channel");

/***/ }),

/***/ 610:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:dns");

/***/ }),

/***/ 8474:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:events");

/***/ }),

/***/ 3024:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");

/***/ }),

/***/ 1455:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");

/***/ }),

/***/ 7067:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http");

/***/ }),

/***/ 2467:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http2");

/***/ }),

/***/ 4708:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:https");

/***/ }),

/***/ 7030:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:net");

/***/ }),

/***/ 8161:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");

/***/ }),

/***/ 6760:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");

/***/ }),

/***/ 643:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:perf_hooks");

/***/ }),

/***/ 1708:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:process");

/***/ }),

/***/ 1792:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:querystring");

/***/ }),

/***/ 99:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:sqlite");

/***/ }),

/***/ 7075:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:stream");

/***/ }),

/***/ 6466:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:stream/promises");

/***/ }),

/***/ 7997:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:timers");

/***/ }),

/***/ 1692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:tls");

/***/ }),

/***/ 3136:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:url");

/***/ }),

/***/ 7975:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util");

/***/ }),

/***/ 3429:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util/types");

/***/ }),

/***/ 5919:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:worker_threads");

/***/ }),

/***/ 8522:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:zlib");

/***/ }),

/***/ 6928:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("path");

/***/ }),

/***/ 2203:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("stream");

/***/ }),

/***/ 3193:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("string_decoder");

/***/ }),

/***/ 4756:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("tls");

/***/ }),

/***/ 9023:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("util");

/***/ }),

/***/ 8253:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("util/types");

/***/ }),

/***/ 7230:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Q: () => (/* binding */ recordsIn),
/* harmony export */   u: () => (/* binding */ isRecord)
/* harmony export */ });
/** Shape checks for values read from YAML or JSON. */
function isRecord(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
/** The mappings of a list, skipping anything else. */
function recordsIn(node) {
    return Array.isArray(node) ? node.filter(isRecord) : [];
}


/***/ }),

/***/ 782:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  nN: () => (/* binding */ YamlSyntaxError),
  gM: () => (/* binding */ readYaml)
});

// UNUSED EXPORTS: resolvePlain

;// CONCATENATED MODULE: ./node_modules/js-yaml/dist/js-yaml.mjs
/*! js-yaml 5.5.0 https://github.com/nodeca/js-yaml @license MIT */
//#region src/tag.ts
/**
* Returned by a scalar resolver when the source does not match its tag.
*
* @category Tags
*/
var NOT_RESOLVED = Symbol("NOT_RESOLVED");
/**
* Create a normalized scalar tag definition.
*
* @category Tags
*/
function defineScalarTag(tagName, options) {
	return {
		tagName,
		nodeKind: "scalar",
		implicit: options.implicit ?? false,
		matchByTagPrefix: options.matchByTagPrefix ?? false,
		implicitFirstChars: options.implicitFirstChars ?? null,
		resolve: options.resolve,
		identify: options.identify,
		represent: options.represent ?? ((data) => String(data)),
		representTagName: options.representTagName ?? (() => tagName)
	};
}
/**
* Create a normalized sequence tag definition.
*
* @category Tags
*/
function defineSequenceTag(tagName, options) {
	const carrierIsResult = options.finalize === void 0;
	return {
		tagName,
		nodeKind: "sequence",
		implicit: false,
		matchByTagPrefix: options.matchByTagPrefix ?? false,
		create: options.create,
		addItem: options.addItem,
		finalize: options.finalize ?? ((carrier) => carrier),
		carrierIsResult,
		identify: options.identify,
		represent: options.represent ?? ((data) => data),
		representTagName: options.representTagName ?? (() => tagName)
	};
}
/**
* Create a normalized mapping tag definition.
*
* @category Tags
*/
function defineMappingTag(tagName, options) {
	const carrierIsResult = options.finalize === void 0;
	return {
		tagName,
		nodeKind: "mapping",
		implicit: false,
		matchByTagPrefix: options.matchByTagPrefix ?? false,
		create: options.create,
		addPair: options.addPair,
		has: options.has,
		keys: options.keys,
		get: options.get,
		finalize: options.finalize ?? ((carrier) => carrier),
		carrierIsResult,
		identify: options.identify,
		represent: options.represent ?? ((data) => data),
		representTagName: options.representTagName ?? (() => tagName)
	};
}
//#endregion
//#region src/tag/scalar/str.ts
/** @category Tags */
var strTag = defineScalarTag("tag:yaml.org,2002:str", {
	resolve: (source) => source,
	identify: (data) => typeof data === "string"
});
//#endregion
//#region src/tag/scalar/null_core.ts
var NULL_VALUES$1 = [
	"",
	"~",
	"null",
	"Null",
	"NULL"
];
/** @category Tags */
var nullCoreTag = defineScalarTag("tag:yaml.org,2002:null", {
	implicit: true,
	implicitFirstChars: [
		"",
		"~",
		"n",
		"N"
	],
	resolve: (source) => {
		if (NULL_VALUES$1.indexOf(source) !== -1) return null;
		return NOT_RESOLVED;
	},
	identify: (object) => object === null,
	represent: () => "null"
});
//#endregion
//#region src/tag/scalar/null_json.ts
/** @category Tags */
var nullJsonTag = defineScalarTag("tag:yaml.org,2002:null", {
	implicit: true,
	implicitFirstChars: ["n"],
	resolve: (source, isExplicit) => {
		if (source === "null" || isExplicit && source === "") return null;
		return NOT_RESOLVED;
	},
	identify: (object) => object === null,
	represent: () => "null"
});
//#endregion
//#region src/tag/scalar/null_yaml11.ts
var NULL_VALUES = [
	"",
	"~",
	"null",
	"Null",
	"NULL"
];
/** @category Tags */
var nullYaml11Tag = defineScalarTag("tag:yaml.org,2002:null", {
	implicit: true,
	implicitFirstChars: [
		"",
		"~",
		"n",
		"N"
	],
	resolve: (source) => {
		if (NULL_VALUES.indexOf(source) !== -1) return null;
		return NOT_RESOLVED;
	},
	identify: (object) => object === null,
	represent: () => "null"
});
//#endregion
//#region src/tag/scalar/bool_core.ts
var TRUE_VALUES$2 = [
	"true",
	"True",
	"TRUE"
];
var FALSE_VALUES$2 = [
	"false",
	"False",
	"FALSE"
];
/** @category Tags */
var boolCoreTag = defineScalarTag("tag:yaml.org,2002:bool", {
	implicit: true,
	implicitFirstChars: [
		"t",
		"T",
		"f",
		"F"
	],
	resolve: (source) => {
		if (TRUE_VALUES$2.indexOf(source) !== -1) return true;
		if (FALSE_VALUES$2.indexOf(source) !== -1) return false;
		return NOT_RESOLVED;
	},
	identify: (object) => Object.prototype.toString.call(object) === "[object Boolean]",
	represent: (object) => object ? "true" : "false"
});
//#endregion
//#region src/tag/scalar/bool_json.ts
var TRUE_VALUES$1 = ["true"];
var FALSE_VALUES$1 = ["false"];
/** @category Tags */
var boolJsonTag = defineScalarTag("tag:yaml.org,2002:bool", {
	implicit: true,
	implicitFirstChars: ["t", "f"],
	resolve: (source) => {
		if (TRUE_VALUES$1.indexOf(source) !== -1) return true;
		if (FALSE_VALUES$1.indexOf(source) !== -1) return false;
		return NOT_RESOLVED;
	},
	identify: (object) => Object.prototype.toString.call(object) === "[object Boolean]",
	represent: (object) => object ? "true" : "false"
});
//#endregion
//#region src/tag/scalar/bool_yaml11.ts
var TRUE_VALUES = [
	"true",
	"True",
	"TRUE",
	"y",
	"Y",
	"yes",
	"Yes",
	"YES",
	"on",
	"On",
	"ON"
];
var FALSE_VALUES = [
	"false",
	"False",
	"FALSE",
	"n",
	"N",
	"no",
	"No",
	"NO",
	"off",
	"Off",
	"OFF"
];
/** @category Tags */
var boolYaml11Tag = defineScalarTag("tag:yaml.org,2002:bool", {
	implicit: true,
	implicitFirstChars: [
		"y",
		"Y",
		"n",
		"N",
		"t",
		"T",
		"f",
		"F",
		"o",
		"O"
	],
	resolve: (source) => {
		if (TRUE_VALUES.indexOf(source) !== -1) return true;
		if (FALSE_VALUES.indexOf(source) !== -1) return false;
		return NOT_RESOLVED;
	},
	identify: (object) => Object.prototype.toString.call(object) === "[object Boolean]",
	represent: (object) => object ? "true" : "false"
});
//#endregion
//#region src/tag/scalar/int_core.ts
var YAML_INTEGER_IMPLICIT_PATTERN$1 = /* @__PURE__ */ new RegExp("^(?:0o[0-7]+|0x[0-9a-fA-F]+|[-+]?[0-9]+)$");
var YAML_INTEGER_EXPLICIT_PATTERN$1 = /* @__PURE__ */ new RegExp("^(?:[-+]?0b[0-1]+|[-+]?0o[0-7]+|[-+]?0x[0-9a-fA-F]+|[-+]?[0-9]+)$");
function parseYamlInteger$2(source) {
	let value = source;
	let sign = 1;
	if (value[0] === "-" || value[0] === "+") {
		if (value[0] === "-") sign = -1;
		value = value.slice(1);
	}
	if (value.startsWith("0b")) return sign * parseInt(value.slice(2), 2);
	if (value.startsWith("0o")) return sign * parseInt(value.slice(2), 8);
	if (value.startsWith("0x")) return sign * parseInt(value.slice(2), 16);
	return sign * parseInt(value, 10);
}
function resolveYamlInteger$2(source, isExplicit) {
	if (isExplicit) {
		if (!YAML_INTEGER_EXPLICIT_PATTERN$1.test(source)) return NOT_RESOLVED;
	} else if (!YAML_INTEGER_IMPLICIT_PATTERN$1.test(source)) return NOT_RESOLVED;
	const result = parseYamlInteger$2(source);
	return Number.isFinite(result) ? result : NOT_RESOLVED;
}
/** @category Tags */
var intCoreTag = defineScalarTag("tag:yaml.org,2002:int", {
	implicit: true,
	implicitFirstChars: [
		"-",
		"+",
		..."0123456789"
	],
	resolve: resolveYamlInteger$2,
	identify: (object) => Number.isInteger(object) && !Object.is(object, -0) && object.toString(10).indexOf("e") < 0,
	represent: (object) => object.toString(10)
});
//#endregion
//#region src/tag/scalar/int_json.ts
var YAML_INTEGER_IMPLICIT_PATTERN = /* @__PURE__ */ new RegExp("^-?(?:0|[1-9][0-9]*)$");
var YAML_INTEGER_EXPLICIT_PATTERN = /* @__PURE__ */ new RegExp("^(?:[-+]?0b[0-1]+|[-+]?0o[0-7]+|[-+]?0x[0-9a-fA-F]+|[-+]?[0-9]+)$");
function parseYamlInteger$1(source) {
	let value = source;
	let sign = 1;
	if (value[0] === "-" || value[0] === "+") {
		if (value[0] === "-") sign = -1;
		value = value.slice(1);
	}
	if (value.startsWith("0b")) return sign * parseInt(value.slice(2), 2);
	if (value.startsWith("0o")) return sign * parseInt(value.slice(2), 8);
	if (value.startsWith("0x")) return sign * parseInt(value.slice(2), 16);
	return sign * parseInt(value, 10);
}
function resolveYamlInteger$1(source, isExplicit) {
	if (isExplicit) {
		if (!YAML_INTEGER_EXPLICIT_PATTERN.test(source)) return NOT_RESOLVED;
	} else if (!YAML_INTEGER_IMPLICIT_PATTERN.test(source)) return NOT_RESOLVED;
	const result = parseYamlInteger$1(source);
	return Number.isFinite(result) ? result : NOT_RESOLVED;
}
/** @category Tags */
var intJsonTag = defineScalarTag("tag:yaml.org,2002:int", {
	implicit: true,
	implicitFirstChars: ["-", ..."0123456789"],
	resolve: resolveYamlInteger$1,
	identify: (object) => Number.isInteger(object) && !Object.is(object, -0) && object.toString(10).indexOf("e") < 0,
	represent: (object) => object.toString(10)
});
//#endregion
//#region src/tag/scalar/int_yaml11.ts
var YAML_INTEGER_PATTERN = /* @__PURE__ */ new RegExp("^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?0x[0-9a-fA-F_]+|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+|[-+]?(?:0|[1-9][0-9_]*))$");
function parseYamlInteger(source) {
	let value = source.replace(/_/g, "");
	let sign = 1;
	if (value[0] === "-" || value[0] === "+") {
		if (value[0] === "-") sign = -1;
		value = value.slice(1);
	}
	if (value.startsWith("0b")) return sign * parseInt(value.slice(2), 2);
	if (value.startsWith("0x")) return sign * parseInt(value.slice(2), 16);
	if (value.includes(":")) {
		let result = 0;
		for (const part of value.split(":")) result = result * 60 + Number(part);
		return sign * result;
	}
	if (value !== "0" && value[0] === "0") return sign * parseInt(value, 8);
	return sign * parseInt(value, 10);
}
function resolveYamlInteger(source) {
	if (!YAML_INTEGER_PATTERN.test(source)) return NOT_RESOLVED;
	const result = parseYamlInteger(source);
	return Number.isFinite(result) ? result : NOT_RESOLVED;
}
/** @category Tags */
var intYaml11Tag = defineScalarTag("tag:yaml.org,2002:int", {
	implicit: true,
	implicitFirstChars: [
		"-",
		"+",
		..."0123456789"
	],
	resolve: resolveYamlInteger,
	identify: (object) => Number.isInteger(object) && !Object.is(object, -0) && object.toString(10).indexOf("e") < 0,
	represent: (object) => object.toString(10)
});
//#endregion
//#region src/tag/scalar/float_core.ts
var YAML_FLOAT_PATTERN$1 = /* @__PURE__ */ new RegExp("^(?:[-+]?[0-9]+(?:\\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|[-+]?\\.[0-9]+(?:[eE][-+]?[0-9]+)?|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$");
var YAML_FLOAT_SPECIAL_PATTERN$1 = /* @__PURE__ */ new RegExp("^(?:[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$");
function resolveYamlFloat$2(source) {
	if (!YAML_FLOAT_PATTERN$1.test(source)) return NOT_RESOLVED;
	let value = source.toLowerCase();
	const sign = value[0] === "-" ? -1 : 1;
	if ("+-".includes(value[0])) value = value.slice(1);
	if (value === ".inf") return sign === 1 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
	if (value === ".nan") return NaN;
	const result = sign * parseFloat(value);
	if (Number.isFinite(result) || YAML_FLOAT_SPECIAL_PATTERN$1.test(source)) return result;
	return NOT_RESOLVED;
}
function representYamlFloat$2(object) {
	if (isNaN(object)) return ".nan";
	if (object === Number.POSITIVE_INFINITY) return ".inf";
	if (object === Number.NEGATIVE_INFINITY) return "-.inf";
	if (Object.is(object, -0)) return "-0.0";
	const result = object.toString(10);
	return /^[-+]?[0-9]+e/.test(result) ? result.replace("e", ".e") : result;
}
/** @category Tags */
var floatCoreTag = defineScalarTag("tag:yaml.org,2002:float", {
	implicit: true,
	implicitFirstChars: [
		"-",
		"+",
		".",
		..."0123456789"
	],
	resolve: resolveYamlFloat$2,
	identify: (object) => typeof object === "number" && (!Number.isInteger(object) || Object.is(object, -0) || object.toString(10).indexOf("e") >= 0),
	represent: representYamlFloat$2
});
//#endregion
//#region src/tag/scalar/float_json.ts
var YAML_FLOAT_IMPLICIT_PATTERN = /* @__PURE__ */ new RegExp("^-?(?:0|[1-9][0-9]*)(?:\\.[0-9]*)?(?:[eE][-+]?[0-9]+)?$");
var YAML_FLOAT_EXPLICIT_PATTERN = /* @__PURE__ */ new RegExp("^(?:[-+]?[0-9]+(?:\\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|[-+]?\\.[0-9]+(?:[eE][-+]?[0-9]+)?|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$");
function resolveYamlFloat$1(source, isExplicit) {
	if (isExplicit) {
		if (!YAML_FLOAT_EXPLICIT_PATTERN.test(source)) return NOT_RESOLVED;
		let value = source.toLowerCase();
		const sign = value[0] === "-" ? -1 : 1;
		if ("+-".includes(value[0])) value = value.slice(1);
		if (value === ".inf") return sign === 1 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
		if (value === ".nan") return NaN;
		const result = sign * parseFloat(value);
		return Number.isFinite(result) ? result : NOT_RESOLVED;
	}
	if (!YAML_FLOAT_IMPLICIT_PATTERN.test(source)) return NOT_RESOLVED;
	const result = Number(source);
	if (Number.isFinite(result)) return result;
	return NOT_RESOLVED;
}
function representYamlFloat$1(object) {
	if (isNaN(object)) return ".nan";
	if (object === Number.POSITIVE_INFINITY) return ".inf";
	if (object === Number.NEGATIVE_INFINITY) return "-.inf";
	if (Object.is(object, -0)) return "-0.0";
	const result = object.toString(10);
	return /^[-+]?[0-9]+e/.test(result) ? result.replace("e", ".e") : result;
}
/** @category Tags */
var floatJsonTag = defineScalarTag("tag:yaml.org,2002:float", {
	implicit: true,
	implicitFirstChars: ["-", ..."0123456789"],
	resolve: resolveYamlFloat$1,
	identify: (object) => typeof object === "number" && (!Number.isInteger(object) || Object.is(object, -0) || object.toString(10).indexOf("e") >= 0),
	represent: representYamlFloat$1
});
//#endregion
//#region src/tag/scalar/float_yaml11.ts
var YAML_FLOAT_PATTERN = /* @__PURE__ */ new RegExp("^(?:[-+]?(?:(?:[0-9][0-9_]*)?\\.[0-9_]*)(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$");
var YAML_FLOAT_SPECIAL_PATTERN = /* @__PURE__ */ new RegExp("^(?:[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$");
function resolveYamlFloat(source) {
	if (!YAML_FLOAT_PATTERN.test(source)) return NOT_RESOLVED;
	let value = source.toLowerCase().replace(/_/g, "");
	const sign = value[0] === "-" ? -1 : 1;
	if ("+-".includes(value[0])) value = value.slice(1);
	if (value === ".inf") return sign === 1 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
	if (value === ".nan") return NaN;
	let result = 0;
	if (value.includes(":")) {
		for (const part of value.split(":")) result = result * 60 + Number(part);
		result *= sign;
	} else result = sign * parseFloat(value);
	if (Number.isFinite(result) || YAML_FLOAT_SPECIAL_PATTERN.test(source)) return result;
	return NOT_RESOLVED;
}
function representYamlFloat(object) {
	if (isNaN(object)) return ".nan";
	if (object === Number.POSITIVE_INFINITY) return ".inf";
	if (object === Number.NEGATIVE_INFINITY) return "-.inf";
	if (Object.is(object, -0)) return "-0.0";
	const result = object.toString(10);
	return /^[-+]?[0-9]+e/.test(result) ? result.replace("e", ".e") : result;
}
/** @category Tags */
var floatYaml11Tag = defineScalarTag("tag:yaml.org,2002:float", {
	implicit: true,
	implicitFirstChars: [
		"-",
		"+",
		".",
		..."0123456789"
	],
	resolve: resolveYamlFloat,
	identify: (object) => typeof object === "number" && (!Number.isInteger(object) || Object.is(object, -0) || object.toString(10).indexOf("e") >= 0),
	represent: representYamlFloat
});
//#endregion
//#region src/tag/scalar/merge.ts
/**
* Enables merge keys in {@link CORE_SCHEMA} when added with
* {@link Schema.withTags}.
*
* @category Tags
*/
var mergeTag = defineScalarTag("tag:yaml.org,2002:merge", {
	implicit: true,
	implicitFirstChars: ["<"],
	resolve: (source, isExplicit) => {
		if (source === "<<" || isExplicit && source === "") return "<<";
		return NOT_RESOLVED;
	},
	identify: () => false
});
//#endregion
//#region src/tag/scalar/binary.ts
var BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;
function resolveYamlBinary(source) {
	const input = source.replace(/\s/g, "");
	if (input.length % 4 !== 0 || !BASE64_PATTERN.test(input)) return NOT_RESOLVED;
	const binary = atob(input);
	const result = new Uint8Array(binary.length);
	for (let index = 0; index < binary.length; index++) result[index] = binary.charCodeAt(index);
	return result;
}
function representYamlBinary(object) {
	let binary = "";
	for (let index = 0; index < object.length; index++) binary += String.fromCharCode(object[index]);
	return btoa(binary);
}
/**
* The `!!binary` tag, represented as a `Uint8Array`.
*
* @category Tags
*/
var binaryTag = defineScalarTag("tag:yaml.org,2002:binary", {
	resolve: resolveYamlBinary,
	identify: (object) => Object.prototype.toString.call(object) === "[object Uint8Array]",
	represent: representYamlBinary
});
//#endregion
//#region src/tag/scalar/timestamp.ts
var YAML_DATE_REGEXP = /* @__PURE__ */ new RegExp("^([0-9][0-9][0-9][0-9])-([0-9][0-9])-([0-9][0-9])$");
var YAML_TIMESTAMP_REGEXP = /* @__PURE__ */ new RegExp("^([0-9][0-9][0-9][0-9])-([0-9][0-9]?)-([0-9][0-9]?)(?:[Tt]|[ \\t]+)([0-9][0-9]?):([0-9][0-9]):([0-9][0-9])(?:\\.([0-9]*))?(?:[ \\t]*(Z|([-+])([0-9][0-9]?)(?::([0-9][0-9]))?))?$");
function makeUtcDate(year, month, day, hour = 0, minute = 0, second = 0, fraction = 0) {
	const date = new Date(Date.UTC(year, month, day, hour, minute, second, fraction));
	date.setUTCFullYear(year, month, day);
	return date;
}
function resolveYamlTimestamp(source) {
	let match = YAML_DATE_REGEXP.exec(source);
	if (match === null) match = YAML_TIMESTAMP_REGEXP.exec(source);
	if (match === null) return NOT_RESOLVED;
	const year = +match[1];
	const month = +match[2] - 1;
	const day = +match[3];
	if (!match[4]) {
		const date = makeUtcDate(year, month, day);
		if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month || date.getUTCDate() !== day) return NOT_RESOLVED;
		return date;
	}
	const hour = +match[4];
	const minute = +match[5];
	const second = +match[6];
	let fraction = 0;
	if (hour > 23 || minute > 59 || second > 59) return NOT_RESOLVED;
	if (match[7]) {
		let value = match[7].slice(0, 3);
		while (value.length < 3) value += "0";
		fraction = +value;
	}
	const date = makeUtcDate(year, month, day, hour, minute, second, fraction);
	if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month || date.getUTCDate() !== day) return NOT_RESOLVED;
	if (match[9]) {
		const offsetHour = +match[10];
		const offsetMinute = +(match[11] || 0);
		if (offsetHour > 23 || offsetMinute > 59) return NOT_RESOLVED;
		const offset = (offsetHour * 60 + offsetMinute) * 6e4;
		date.setTime(date.getTime() - (match[9] === "-" ? -offset : offset));
	}
	return date;
}
/**
* The YAML 1.1 `!!timestamp` tag, represented as a JavaScript `Date`.
*
* @category Tags
*/
var timestampTag = defineScalarTag("tag:yaml.org,2002:timestamp", {
	implicit: true,
	implicitFirstChars: [..."0123456789"],
	resolve: resolveYamlTimestamp,
	identify: (object) => object instanceof Date,
	represent: (object) => object.toISOString()
});
//#endregion
//#region src/tag/sequence/seq.ts
/** @category Tags */
var seqTag = defineSequenceTag("tag:yaml.org,2002:seq", {
	create: () => [],
	addItem: (container, item) => {
		container.push(item);
	},
	identify: Array.isArray
});
//#endregion
//#region src/common/object.ts
function isPlainObject(data) {
	if (data === null || typeof data !== "object" || Array.isArray(data)) return false;
	const prototype = Object.getPrototypeOf(data);
	return prototype === null || prototype === Object.prototype;
}
function pick(object, keys) {
	const result = {};
	for (const key of keys) if (object[key] !== void 0) result[key] = object[key];
	return result;
}
//#endregion
//#region src/tag/sequence/omap.ts
/**
* Provided only for YAML 1.1 compatibility and supported by the loader only.
* JavaScript has no dedicated class to represent this type, so it cannot be
* identified and dumped.
*
* ```yaml
* !!omap
*   - one: 1
*   - two: 2
* ```
*
* is loaded as
*
* ```javascript
* [
*   { one: 1 },
*   { two: 2 }
* ]
* ```
*
* @category Tags
*/
var omapTag = defineSequenceTag("tag:yaml.org,2002:omap", {
	create: () => ({
		list: [],
		seen: /* @__PURE__ */ new Set()
	}),
	addItem: (carrier, item) => {
		let key;
		if (item instanceof Map) {
			if (item.size !== 1) return "cannot resolve an ordered map item";
			key = item.keys().next().value;
		} else if (isPlainObject(item)) {
			const itemKeys = Object.keys(item);
			if (itemKeys.length !== 1) return "cannot resolve an ordered map item";
			key = itemKeys[0];
		} else return "cannot resolve an ordered map item";
		if (carrier.seen.has(key)) return "duplicate key in ordered map";
		carrier.seen.add(key);
		carrier.list.push(item);
		return "";
	},
	finalize: (carrier) => carrier.list,
	identify: () => false
});
//#endregion
//#region src/tag/sequence/pairs.ts
/**
* Provided only for YAML 1.1 compatibility and supported by the loader only.
* JavaScript has no dedicated class to represent this type, so it cannot be
* identified and dumped.
*
* ```yaml
* !!pairs
*   - one: 1
*   - two: 2
* ```
*
* is loaded as
*
* ```javascript
* [
*   ['one', 1],
*   ['two', 2]
* ]
* ```
*
* @category Tags
*/
var pairsTag = defineSequenceTag("tag:yaml.org,2002:pairs", {
	create: () => [],
	addItem: (container, item) => {
		if (item instanceof Map) {
			if (item.size !== 1) return "cannot resolve a pairs item";
			container.push(item.entries().next().value);
			return "";
		}
		if (Object.prototype.toString.call(item) !== "[object Object]") return "cannot resolve a pairs item";
		const object = item;
		const keys = Object.keys(object);
		if (keys.length !== 1) return "cannot resolve a pairs item";
		container.push([keys[0], object[keys[0]]]);
		return "";
	},
	identify: () => false
});
//#endregion
//#region src/tag/mapping/map.ts
/**
* This is the default mapping implementation. It uses `{}` objects and has only
* partial functionality due to language limitations. This choice was made
* because users expect to get JavaScript objects, and it was left unchanged to
* avoid too many breaking changes in the v5 release.
*
* Side effects:
*
* - `Object.hasOwn()` checks or `for...of` loops are required for safe use (to
*   avoid falling through to prototypes).
* - Only scalar string keys are supported properly.
* - Other scalar keys, such as `null` and numbers, are converted to strings.
*   This is historical behaviour, and it can cause side effects such as
*   problems with `!!merge`.
*
* Note that non-string scalar keys may be deprecated in future versions.
*
* Ideally, use {@link realMapTag} instead.
*
* @category Tags
*/
var mapTag = defineMappingTag("tag:yaml.org,2002:map", {
	create: () => ({}),
	identify: isPlainObject,
	represent: (o) => {
		const map = /* @__PURE__ */ new Map();
		for (const key of Object.keys(o)) map.set(key, o[key]);
		return map;
	},
	addPair: (container, key, value) => {
		if (key !== null && typeof key === "object") return "object-based map does not support complex keys";
		const normalizedKey = String(key);
		if (normalizedKey === "__proto__") Object.defineProperty(container, normalizedKey, {
			value,
			enumerable: true,
			configurable: true,
			writable: true
		});
		else container[normalizedKey] = value;
		return "";
	},
	has: (container, key) => {
		if (key !== null && typeof key === "object") return false;
		return Object.prototype.hasOwnProperty.call(container, String(key));
	},
	keys: (container) => Object.keys(container),
	get: (container, key) => {
		const normalizedKey = String(key);
		if (!Object.prototype.hasOwnProperty.call(container, normalizedKey)) return null;
		return container[normalizedKey];
	}
});
//#endregion
//#region src/tag/mapping/set.ts
/**
* The YAML 1.1 `!!set` tag, represented as a JavaScript `Set`.
*
* @category Tags
*/
var setTag = defineMappingTag("tag:yaml.org,2002:set", {
	create: () => /* @__PURE__ */ new Set(),
	identify: (data) => data instanceof Set,
	represent: (data) => {
		const map = /* @__PURE__ */ new Map();
		for (const key of data) map.set(key, null);
		return map;
	},
	addPair: (container, key, value) => {
		if (value !== null) return "cannot resolve a set item";
		container.add(key);
		return "";
	},
	has: (container, key) => container.has(key),
	keys: (container) => container.keys(),
	get: () => null
});
//#endregion
//#region src/schema.ts
function createTagDefinitionMap() {
	return {
		scalar: Object.create(null),
		sequence: Object.create(null),
		mapping: Object.create(null)
	};
}
function createTagDefinitionListMap() {
	return {
		scalar: [],
		sequence: [],
		mapping: []
	};
}
function compileTags(tags) {
	const result = [];
	for (const tag of tags) {
		let index = result.length;
		for (let previousIndex = 0; previousIndex < result.length; previousIndex++) {
			const previous = result[previousIndex];
			if (previous.nodeKind === tag.nodeKind && previous.tagName === tag.tagName && previous.matchByTagPrefix === tag.matchByTagPrefix) {
				index = previousIndex;
				break;
			}
		}
		result[index] = tag;
	}
	return result;
}
/**
* Controls tag resolution when loading and type selection when dumping.
*
* @category Schemas
*/
var Schema = class Schema {
	tags;
	/** @internal */
	implicitScalarTags;
	/**
	* Dispatch implicit scalar resolvers by `source.charAt(0)`. Each bucket holds
	* the resolvers that may match that key, in schema order; a key absent from
	* the map uses
	* {@link Schema.implicitScalarAnyFirstChar}
	* (resolvers that declared no first-char constraint, so they apply to any
	* first character).
	*/
	implicitScalarByFirstChar;
	implicitScalarAnyFirstChar;
	/**
	* The default scalar tag (`!!str`), resolved once so the composer's fallback
	* for unresolved plain scalars avoids a keyed lookup per scalar.
	*
	* @internal
	*/
	defaultScalarTag;
	/**
	* The default container tags (`!!seq` / `!!map`), used by the dumper: when a
	* value is identified by its default tag, the tag is implicit and not
	* printed. Undefined if the schema does not define them (then such values
	* can't be dumped).
	*
	* @internal
	*/
	defaultSequenceTag;
	/** @internal */
	defaultMappingTag;
	exact;
	prefix;
	constructor(tags) {
		const compiledTags = compileTags(tags);
		const implicitScalarTags = [];
		const exact = createTagDefinitionMap();
		const prefix = createTagDefinitionListMap();
		for (const tag of compiledTags) {
			if (tag.nodeKind === "scalar" && tag.implicit) {
				if (tag.matchByTagPrefix) throw new Error("Implicit scalar tags cannot match by tag prefix");
				implicitScalarTags.push(tag);
			}
			switch (tag.nodeKind) {
				case "scalar":
					if (tag.matchByTagPrefix) prefix.scalar.push(tag);
					else exact.scalar[tag.tagName] = tag;
					break;
				case "sequence":
					if (tag.matchByTagPrefix) prefix.sequence.push(tag);
					else exact.sequence[tag.tagName] = tag;
					break;
				case "mapping": if (tag.matchByTagPrefix) prefix.mapping.push(tag);
				else exact.mapping[tag.tagName] = tag;
			}
		}
		const implicitScalarAnyFirstChar = implicitScalarTags.filter((tag) => tag.implicitFirstChars === null);
		const keys = /* @__PURE__ */ new Set();
		for (const tag of implicitScalarTags) if (tag.implicitFirstChars !== null) for (const key of tag.implicitFirstChars) keys.add(key);
		const implicitScalarByFirstChar = /* @__PURE__ */ new Map();
		for (const key of keys) implicitScalarByFirstChar.set(key, implicitScalarTags.filter((tag) => tag.implicitFirstChars === null || tag.implicitFirstChars.indexOf(key) !== -1));
		const defaultScalarTag = exact.scalar["tag:yaml.org,2002:str"];
		if (!defaultScalarTag) throw new Error("schema does not define the default scalar tag (tag:yaml.org,2002:str)");
		this.tags = compiledTags;
		this.implicitScalarTags = implicitScalarTags;
		this.implicitScalarByFirstChar = implicitScalarByFirstChar;
		this.implicitScalarAnyFirstChar = implicitScalarAnyFirstChar;
		this.defaultScalarTag = defaultScalarTag;
		this.defaultSequenceTag = exact.sequence["tag:yaml.org,2002:seq"];
		this.defaultMappingTag = exact.mapping["tag:yaml.org,2002:map"];
		this.exact = exact;
		this.prefix = prefix;
	}
	/** @internal */
	lookupScalarTag(tagName) {
		const exactTag = this.exact.scalar[tagName];
		if (exactTag) return exactTag;
		for (const tag of this.prefix.scalar) if (tagName.startsWith(tag.tagName)) return tag;
	}
	/** @internal */
	lookupSequenceTag(tagName) {
		const exactTag = this.exact.sequence[tagName];
		if (exactTag) return exactTag;
		for (const tag of this.prefix.sequence) if (tagName.startsWith(tag.tagName)) return tag;
	}
	/** @internal */
	lookupMappingTag(tagName) {
		const exactTag = this.exact.mapping[tagName];
		if (exactTag) return exactTag;
		for (const tag of this.prefix.mapping) if (tagName.startsWith(tag.tagName)) return tag;
	}
	/** @internal */
	resolveImplicitScalarTag(source) {
		const candidates = this.implicitScalarByFirstChar.get(source.charAt(0)) ?? this.implicitScalarAnyFirstChar;
		for (const tag of candidates) {
			const value = tag.resolve(source, false, tag.tagName);
			if (value !== NOT_RESOLVED) return {
				value,
				tag
			};
		}
		const tag = this.defaultScalarTag;
		return {
			value: tag.resolve(source, false, tag.tagName),
			tag
		};
	}
	/**
	* Creates a new schema with the specified tags added. If a tag already
	* exists, it is replaced by the specified tag.
	*
	* @example
	*
	* ```javascript
	* import { CORE_SCHEMA, mergeTag, realMapTag } from 'js-yaml'
	*
	* const schema = CORE_SCHEMA.withTags(mergeTag, realMapTag)
	* ```
	*/
	withTags(...tags) {
		let flatTags = [];
		for (const tag of tags) flatTags = flatTags.concat(tag);
		return new Schema([...this.tags, ...flatTags]);
	}
};
/**
* The YAML 1.2 Failsafe Schema: strings, sequences, and mappings.
*
* @category Schemas
*/
var FAILSAFE_SCHEMA = new Schema([
	strTag,
	seqTag,
	mapTag
]);
/**
* The YAML 1.2 JSON Schema. It uses JSON scalar forms while retaining YAML
* collection syntax.
*
* @category Schemas
*/
var JSON_SCHEMA = new Schema([
	...FAILSAFE_SCHEMA.tags,
	nullJsonTag,
	boolJsonTag,
	intJsonTag,
	floatJsonTag
]);
/**
* The default schema for the loaders. Note, {@link CORE_SCHEMA} comes
* without the `!!merge` tag. You can easily enable it if needed.
*
* @example
* Enable {@link mergeTag}:
*
* ```javascript
* import { load, CORE_SCHEMA, mergeTag } from 'js-yaml'
*
* try {
*   load(data, { schema: CORE_SCHEMA.withTags(mergeTag) })
* } catch (e) {
*   console.error(e)
* }
* ```
*
* @category Schemas
*/
var CORE_SCHEMA = new Schema([
	...FAILSAFE_SCHEMA.tags,
	nullCoreTag,
	boolCoreTag,
	intCoreTag,
	floatCoreTag
]);
/**
* YAML 1.1-compatible schema.
*
* @category Schemas
*/
var YAML11_SCHEMA = new Schema([
	...FAILSAFE_SCHEMA.tags,
	nullYaml11Tag,
	boolYaml11Tag,
	intYaml11Tag,
	floatYaml11Tag,
	timestampTag,
	mergeTag,
	binaryTag,
	omapTag,
	pairsTag,
	setTag
]);
/**
* The dumper schema for maximum compatibility. It combines all supported type
* variants from YAML 1.1 and YAML 1.2 so strings matching any of them are
* quoted. This makes the generated YAML more compatible with other parsers.
*
* The schema is based on YAML 1.1, but extends `!!int` and `!!float` to accept
* both YAML 1.1 and Core Schema forms, since Core Schema supports some forms
* that YAML 1.1 does not.
*
* @category Schemas
*/
var DUMP_SCHEMA = YAML11_SCHEMA.withTags({
	...intYaml11Tag,
	resolve: (source, isExplicit, tagName) => {
		const result = intYaml11Tag.resolve(source, isExplicit, tagName);
		return result === NOT_RESOLVED ? intCoreTag.resolve(source, isExplicit, tagName) : result;
	}
}, {
	...floatYaml11Tag,
	resolve: (source, isExplicit, tagName) => {
		const result = floatYaml11Tag.resolve(source, isExplicit, tagName);
		return result === NOT_RESOLVED ? floatCoreTag.resolve(source, isExplicit, tagName) : result;
	}
});
//#endregion
//#region src/tag/mapping/real_map.ts
/**
* Recommended when non-string keys are actually needed. It uses native
* JavaScript `Map` objects, so keys keep their constructed types instead of
* being converted to strings.
*
* It is not the default to avoid widespread breaking changes in existing
* projects. `Map` has a different access API and does not pass deep equality
* checks against `{}`-based fixtures. Alongside the other changes in v5,
* making it the default was considered too disruptive.
*
* If these differences are acceptable for your project, we recommend using
* {@link realMapTag} to guarantee the absence of problems and side effects.
*
* @example
* Enable {@link realMapTag}:
*
* ```javascript
* import { load, CORE_SCHEMA, realMapTag } from 'js-yaml'
*
* try {
*   load(data, { schema: CORE_SCHEMA.withTags(realMapTag) })
* } catch (e) {
*   console.error(e)
* }
* ```
*
* @category Tags
*/
var realMapTag = defineMappingTag("tag:yaml.org,2002:map", {
	create: () => /* @__PURE__ */ new Map(),
	addPair: (container, key, value) => {
		container.set(key, value);
		return "";
	},
	has: (container, key) => container.has(key),
	keys: (container) => container.keys(),
	get: (container, key) => container.get(key),
	identify: (data) => data instanceof Map || isPlainObject(data),
	represent: (data) => {
		if (data instanceof Map) return data;
		const map = /* @__PURE__ */ new Map();
		const obj = data;
		for (const key of Object.keys(obj)) map.set(key, obj[key]);
		return map;
	}
});
//#endregion
//#region src/tag/mapping/legacy_map.ts
function normalizeKey(key) {
	if (Array.isArray(key)) {
		const array = Array.prototype.slice.call(key);
		for (let index = 0; index < array.length; index++) {
			if (Array.isArray(array[index])) return null;
			if (typeof array[index] === "object" && Object.prototype.toString.call(array[index]) === "[object Object]") array[index] = "[object Object]";
		}
		return String(array);
	}
	if (typeof key === "object" && Object.prototype.toString.call(key) === "[object Object]") return "[object Object]";
	return String(key);
}
/**
* This implementation exists solely to reproduce v4 behavior exactly. Its use
* is strongly discouraged. If complex or non-string keys are needed, use
* {@link realMapTag} instead.
*
* @category Tags
*/
var legacyMapTag = defineMappingTag("tag:yaml.org,2002:map", {
	create: () => ({}),
	identify: isPlainObject,
	represent: (o) => {
		const map = /* @__PURE__ */ new Map();
		for (const key of Object.keys(o)) map.set(key, o[key]);
		return map;
	},
	addPair: (container, key, value) => {
		const normalizedKey = normalizeKey(key);
		if (normalizedKey === null) return "nested arrays are not supported inside keys";
		if (normalizedKey === "__proto__") Object.defineProperty(container, normalizedKey, {
			value,
			enumerable: true,
			configurable: true,
			writable: true
		});
		else container[normalizedKey] = value;
		return "";
	},
	has: (container, key) => {
		const normalizedKey = normalizeKey(key);
		return normalizedKey !== null && Object.prototype.hasOwnProperty.call(container, normalizedKey);
	},
	keys: (container) => Object.keys(container),
	get: (container, key) => {
		const normalizedKey = String(key);
		if (!Object.prototype.hasOwnProperty.call(container, normalizedKey)) return null;
		return container[normalizedKey];
	}
});
//#endregion
//#region src/common/snippet.ts
var DEFAULT_SNIPPET_OPTIONS = {
	maxLength: 79,
	indent: 1,
	linesBefore: 3,
	linesAfter: 2
};
function getLine(buffer, lineStart, lineEnd, position, maxLineLength) {
	let head = "";
	let tail = "";
	const maxHalfLength = Math.floor(maxLineLength / 2) - 1;
	if (position - lineStart > maxHalfLength) {
		head = " ... ";
		lineStart = position - maxHalfLength + head.length;
	}
	if (lineEnd - position > maxHalfLength) {
		tail = " ...";
		lineEnd = position + maxHalfLength - tail.length;
	}
	return {
		str: head + buffer.slice(lineStart, lineEnd).replace(/\t/g, "→") + tail,
		pos: position - lineStart + head.length
	};
}
function padStart(string, max) {
	return " ".repeat(Math.max(max - string.length, 0)) + string;
}
function makeSnippet(mark, options) {
	if (!mark.buffer) return null;
	const opts = {
		...DEFAULT_SNIPPET_OPTIONS,
		...options
	};
	const re = /\r?\n|\r|\0/g;
	const lineStarts = [0];
	const lineEnds = [];
	let match;
	let foundLineNo = -1;
	while (match = re.exec(mark.buffer)) {
		lineEnds.push(match.index);
		lineStarts.push(match.index + match[0].length);
		if (mark.position <= match.index && foundLineNo < 0) foundLineNo = lineStarts.length - 2;
	}
	if (foundLineNo < 0) foundLineNo = lineStarts.length - 1;
	let result = "";
	const lineNoLength = Math.min(mark.line + opts.linesAfter, lineEnds.length).toString().length;
	const maxLineLength = opts.maxLength - (opts.indent + lineNoLength + 3);
	for (let i = 1; i <= opts.linesBefore; i++) {
		if (foundLineNo - i < 0) break;
		const line = getLine(mark.buffer, lineStarts[foundLineNo - i], lineEnds[foundLineNo - i], mark.position - (lineStarts[foundLineNo] - lineStarts[foundLineNo - i]), maxLineLength);
		result = `${" ".repeat(opts.indent)}${padStart((mark.line - i + 1).toString(), lineNoLength)} | ${line.str}\n${result}`;
	}
	const line = getLine(mark.buffer, lineStarts[foundLineNo], lineEnds[foundLineNo], mark.position, maxLineLength);
	result += `${" ".repeat(opts.indent)}${padStart((mark.line + 1).toString(), lineNoLength)} | ${line.str}\n`;
	result += `${"-".repeat(opts.indent + lineNoLength + 3 + line.pos)}^\n`;
	for (let i = 1; i <= opts.linesAfter; i++) {
		if (foundLineNo + i >= lineEnds.length) break;
		const line = getLine(mark.buffer, lineStarts[foundLineNo + i], lineEnds[foundLineNo + i], mark.position - (lineStarts[foundLineNo] - lineStarts[foundLineNo + i]), maxLineLength);
		result += `${" ".repeat(opts.indent)}${padStart((mark.line + i + 1).toString(), lineNoLength)} | ${line.str}\n`;
	}
	return result.replace(/\n$/, "");
}
//#endregion
//#region src/common/exception.ts
function formatError(exception, compact) {
	let where = "";
	if (!exception.mark) return exception.reason;
	if (exception.mark.name) where += `in "${exception.mark.name}" `;
	where += `(${exception.mark.line + 1}:${exception.mark.column + 1})`;
	if (!compact && exception.mark.snippet) where += `\n\n${exception.mark.snippet}`;
	return `${exception.reason} ${where}`;
}
/**
* A YAML error. Unlike an ordinary `Error`, it adds a source snippet showing
* the location of the problem to the error message, when available.
*
* @category Main
*/
var YAMLException = class YAMLException extends Error {
	reason;
	mark;
	/**
	* Optional `mark` contains source snippet data. Usually, use
	* {@link YAMLException.throwAt} instead of passing it directly.
	*/
	constructor(reason, mark) {
		super();
		this.name = "YAMLException";
		this.reason = reason;
		this.mark = mark;
		this.message = formatError(this, false);
		if (Error.captureStackTrace) Error.captureStackTrace(this, this.constructor);
	}
	/**
	* Returns the formatted error, omitting the source snippet in compact mode.
	*/
	toString(compact) {
		return `${this.name}: ${formatError(this, compact)}`;
	}
	/**
	* Builds a YAMLException with a source snippet and throws it. `source` is
	* the raw input text; `position` is an offset into it.
	*/
	static throwAt(source, position, message, filename = "") {
		let line = 0;
		let lineStart = 0;
		for (let index = 0; index < position; index++) {
			const ch = source.charCodeAt(index);
			if (ch === 10) {
				line++;
				lineStart = index + 1;
			} else if (ch === 13) {
				line++;
				if (source.charCodeAt(index + 1) === 10) index++;
				lineStart = index + 1;
			}
		}
		const mark = {
			name: filename,
			buffer: source,
			position,
			line,
			column: position - lineStart
		};
		mark.snippet = makeSnippet(mark);
		throw new YAMLException(message, mark);
	}
};
//#endregion
//#region src/parser/events.ts
/** @category Events */
var EVENT_ID = {
	DOCUMENT: 1,
	SEQUENCE: 2,
	MAPPING: 3,
	SCALAR: 4,
	ALIAS: 5,
	POP: 6
};
/** @category Nodes */
var SCALAR_STYLE = {
	PLAIN: 1,
	SINGLE_QUOTED: 2,
	DOUBLE_QUOTED: 3,
	LITERAL_BLOCK: 4,
	FOLDED_BLOCK: 5
};
/** @category Nodes */
var COLLECTION_STYLE = {
	BLOCK: 1,
	FLOW: 2
};
/** @category Nodes */
var CHOMPING_MODE = {
	CLIP: 1,
	STRIP: 2,
	KEEP: 3
};
//#endregion
//#region src/parser/parser_scalar.ts
var NO_RANGE$3 = -1;
function simpleEscapeSequence(c) {
	switch (c) {
		case 48: return "\0";
		case 97: return "\x07";
		case 98: return "\b";
		case 116: return "	";
		case 9: return "	";
		case 110: return "\n";
		case 118: return "\v";
		case 102: return "\f";
		case 114: return "\r";
		case 101: return "\x1B";
		case 32: return " ";
		case 34: return "\"";
		case 47: return "/";
		case 92: return "\\";
		case 78: return "";
		case 95: return "\xA0";
		case 76: return "\u2028";
		case 80: return "\u2029";
		default: return "";
	}
}
var simpleEscapeCheck = new Array(256);
var simpleEscapeMap = new Array(256);
for (let i = 0; i < 256; i++) {
	simpleEscapeCheck[i] = simpleEscapeSequence(i) ? 1 : 0;
	simpleEscapeMap[i] = simpleEscapeSequence(i);
}
function charFromCodepoint(c) {
	if (c <= 65535) return String.fromCharCode(c);
	return String.fromCharCode((c - 65536 >> 10) + 55296, (c - 65536 & 1023) + 56320);
}
function fromHexCode$1(c) {
	if (c >= 48 && c <= 57) return c - 48;
	return (c | 32) - 97 + 10;
}
function escapedHexLen$1(c) {
	if (c === 120) return 2;
	if (c === 117) return 4;
	return 8;
}
function skipFoldedBreaks(input, position, end) {
	let breaks = 0;
	while (position < end) {
		const ch = input.charCodeAt(position);
		if (ch === 10) {
			breaks++;
			position++;
		} else if (ch === 13) {
			breaks++;
			position++;
			if (input.charCodeAt(position) === 10) position++;
		} else if (ch === 32 || ch === 9) position++;
		else break;
	}
	return {
		position,
		breaks
	};
}
function foldedBreaks(count) {
	if (count === 1) return " ";
	return "\n".repeat(count - 1);
}
function getPlainValue(input, start, end) {
	let result = "";
	let position = start;
	let captureStart = start;
	let captureEnd = start;
	while (position < end) {
		const ch = input.charCodeAt(position);
		if (ch === 10 || ch === 13) {
			result += input.slice(captureStart, captureEnd);
			const fold = skipFoldedBreaks(input, position, end);
			result += foldedBreaks(fold.breaks);
			position = captureStart = captureEnd = fold.position;
		} else {
			position++;
			if (ch !== 32 && ch !== 9) captureEnd = position;
		}
	}
	return result + input.slice(captureStart, captureEnd);
}
function getSingleQuotedValue(input, start, end) {
	let result = "";
	let position = start;
	let captureStart = start;
	let captureEnd = start;
	while (position < end) {
		const ch = input.charCodeAt(position);
		if (ch === 39) {
			result += input.slice(captureStart, position) + "'";
			position += 2;
			captureStart = captureEnd = position;
		} else if (ch === 10 || ch === 13) {
			result += input.slice(captureStart, captureEnd);
			const fold = skipFoldedBreaks(input, position, end);
			result += foldedBreaks(fold.breaks);
			position = captureStart = captureEnd = fold.position;
		} else {
			position++;
			if (ch !== 32 && ch !== 9) captureEnd = position;
		}
	}
	return result + input.slice(captureStart, end);
}
function getDoubleQuotedValue(input, start, end) {
	let result = "";
	let position = start;
	let captureStart = start;
	let captureEnd = start;
	while (position < end) {
		const ch = input.charCodeAt(position);
		if (ch === 92) {
			result += input.slice(captureStart, position);
			position++;
			const escaped = input.charCodeAt(position);
			if (escaped === 10 || escaped === 13) position = skipFoldedBreaks(input, position, end).position;
			else if (escaped < 256 && simpleEscapeCheck[escaped]) {
				result += simpleEscapeMap[escaped];
				position++;
			} else {
				let hexLength = escapedHexLen$1(escaped);
				let hexResult = 0;
				for (; hexLength > 0; hexLength--) {
					position++;
					const digit = fromHexCode$1(input.charCodeAt(position));
					hexResult = (hexResult << 4) + digit;
				}
				result += charFromCodepoint(hexResult);
				position++;
			}
			captureStart = captureEnd = position;
		} else if (ch === 10 || ch === 13) {
			result += input.slice(captureStart, captureEnd);
			const fold = skipFoldedBreaks(input, position, end);
			result += foldedBreaks(fold.breaks);
			position = captureStart = captureEnd = fold.position;
		} else {
			position++;
			if (ch !== 32 && ch !== 9) captureEnd = position;
		}
	}
	return result + input.slice(captureStart, end);
}
function getBlockValue(input, start, end, indent, chomping, folded) {
	const textIndent = indent < 0 ? 0 : indent;
	const region = input.slice(start, end).replace(/\r\n?/g, "\n");
	const lines = region === "" ? [] : (region.endsWith("\n") ? region.slice(0, -1) : region).split("\n");
	let result = "";
	let didReadContent = false;
	let emptyLines = 0;
	let atMoreIndented = false;
	for (const line of lines) {
		let column = 0;
		while (column < textIndent && line.charCodeAt(column) === 32) column++;
		if (indent < 0 || column >= line.length) {
			emptyLines++;
			continue;
		}
		const content = line.slice(textIndent);
		const first = content.charCodeAt(0);
		if (folded) {
			if (first === 32 || first === 9) {
				atMoreIndented = true;
				result += "\n".repeat(didReadContent ? 1 + emptyLines : emptyLines);
			} else if (atMoreIndented) {
				atMoreIndented = false;
				result += "\n".repeat(emptyLines + 1);
			} else if (emptyLines === 0) {
				if (didReadContent) result += " ";
			} else result += "\n".repeat(emptyLines);
		} else result += "\n".repeat(didReadContent ? 1 + emptyLines : emptyLines);
		result += content;
		didReadContent = true;
		emptyLines = 0;
	}
	if (chomping === CHOMPING_MODE.KEEP) result += "\n".repeat(didReadContent ? 1 + emptyLines : emptyLines);
	else if (chomping !== CHOMPING_MODE.STRIP) {
		if (didReadContent) result += "\n";
	}
	return result;
}
/**
* Decodes the scalar referenced by event offsets in `input`.
*
* @category Events
*/
function getScalarValue(input, scalar) {
	if (scalar.valueStart === NO_RANGE$3) return "";
	const { valueStart, valueEnd } = scalar;
	if (scalar.fast) return input.slice(valueStart, valueEnd);
	switch (scalar.style) {
		case SCALAR_STYLE.SINGLE_QUOTED: return getSingleQuotedValue(input, valueStart, valueEnd);
		case SCALAR_STYLE.DOUBLE_QUOTED: return getDoubleQuotedValue(input, valueStart, valueEnd);
		case SCALAR_STYLE.LITERAL_BLOCK: return getBlockValue(input, valueStart, valueEnd, scalar.indent, scalar.chomping, false);
		case SCALAR_STYLE.FOLDED_BLOCK: return getBlockValue(input, valueStart, valueEnd, scalar.indent, scalar.chomping, true);
		default: return getPlainValue(input, valueStart, valueEnd);
	}
}
//#endregion
//#region src/common/tagname.ts
var DEFAULT_TAG_HANDLERS = Object.assign(Object.create(null), {
	"!": "!",
	"!!": "tag:yaml.org,2002:"
});
var TAG_SUFFIX_CHARS = "-#;/?:@&=+$_.~*'()";
var TAG_URI_CHARS = TAG_SUFFIX_CHARS + "!,[]";
var HEX = "0123456789ABCDEF";
function percentByte(byte) {
	return "%" + HEX[byte >> 4] + HEX[byte & 15];
}
function tagPercentEncode(source, isSuffix) {
	const allowed = isSuffix ? TAG_SUFFIX_CHARS : TAG_URI_CHARS;
	let result = "";
	for (let index = 0; index < source.length; index++) {
		let ch = source.charCodeAt(index);
		if (ch >= 48 && ch <= 57 || ch >= 65 && ch <= 90 || ch >= 97 && ch <= 122 || allowed.includes(source[index])) {
			result += source[index];
			continue;
		}
		if (ch >= 55296 && ch <= 56319) ch = 65536 + ((ch & 1023) << 10) + (source.charCodeAt(++index) & 1023);
		if (ch < 128) result += percentByte(ch);
		else if (ch < 2048) result += percentByte(192 | ch >> 6) + percentByte(128 | ch & 63);
		else if (ch < 65536) result += percentByte(224 | ch >> 12) + percentByte(128 | ch >> 6 & 63) + percentByte(128 | ch & 63);
		else result += percentByte(240 | ch >> 18) + percentByte(128 | ch >> 12 & 63) + percentByte(128 | ch >> 6 & 63) + percentByte(128 | ch & 63);
	}
	return result;
}
function tagPercentDecode(source) {
	let result = "";
	let index = 0;
	while (index < source.length) {
		if (source.charCodeAt(index) !== 37) {
			result += source[index++];
			continue;
		}
		let ch = parseInt(source.slice(index + 1, index + 3), 16);
		index += 3;
		if (ch >= 192) {
			let remaining = ch < 224 ? 1 : ch < 240 ? 2 : 3;
			ch &= (1 << 6 - remaining) - 1;
			while (remaining-- > 0) {
				ch = ch << 6 | parseInt(source.slice(index + 1, index + 3), 16) & 63;
				index += 3;
			}
		}
		if (ch < 65536) result += String.fromCharCode(ch);
		else {
			ch -= 65536;
			result += String.fromCharCode(55296 | ch >> 10, 56320 | ch & 1023);
		}
	}
	return result;
}
function tagNameFull(rawTag, tagHandlers) {
	if (rawTag.startsWith("!<") && rawTag.endsWith(">")) return tagPercentDecode(rawTag.slice(2, -1));
	const handleEnd = rawTag.indexOf("!", 1);
	const handle = handleEnd === -1 ? "!" : rawTag.slice(0, handleEnd + 1);
	return tagPercentDecode(tagHandlers?.[handle] ?? DEFAULT_TAG_HANDLERS[handle] ?? handle) + tagPercentDecode(rawTag.slice(handle.length));
}
function tagNameShort(fullTag) {
	let tag = fullTag;
	if (tag.charCodeAt(0) === 33) {
		tag = tag.slice(1);
		return `!${tagPercentEncode(tag, true)}`;
	}
	if (tag.slice(0, 18) === "tag:yaml.org,2002:") return `!!${tagPercentEncode(tag.slice(18), true)}`;
	return `!<${tagPercentEncode(tag, false)}>`;
}
//#endregion
//#region src/parser/constructor.ts
var NO_RANGE$2 = (/* unused pure expression or super */ null && (-1));
var MERGE_TAG_NAME = "tag:yaml.org,2002:merge";
var DEFAULT_CONSTRUCTOR_OPTIONS = {
	filename: "",
	schema: CORE_SCHEMA,
	json: false,
	maxTotalMergeKeys: 1e4,
	maxAliases: -1
};
function eventPosition$1(event) {
	if ("tagStart" in event && event.tagStart !== NO_RANGE$2) return event.tagStart;
	if ("anchorStart" in event && event.anchorStart !== NO_RANGE$2) return event.anchorStart;
	if ("valueStart" in event && event.valueStart !== NO_RANGE$2) return event.valueStart;
	if ("start" in event) return event.start;
	return 0;
}
function throwError$1(state, message) {
	YAMLException.throwAt(state.source, state.position, message, state.filename);
}
function finalizeCollection(state, position, tag, carrier) {
	try {
		return tag.finalize(carrier);
	} catch (error) {
		if (error instanceof YAMLException) throw error;
		YAMLException.throwAt(state.source, position, error instanceof Error ? error.message : String(error), state.filename);
	}
}
function constructScalar(state, event) {
	const source = getScalarValue(state.source, event);
	const rawTag = event.tagStart === NO_RANGE$2 ? "" : state.source.slice(event.tagStart, event.tagEnd);
	const strTag = state.schema.defaultScalarTag;
	if (rawTag !== "") {
		if (rawTag === "!") return {
			value: source,
			tag: strTag
		};
		const tagName = tagNameFull(rawTag, state.tagHandlers);
		const scalarTag = state.schema.lookupScalarTag(tagName);
		if (scalarTag) {
			const result = scalarTag.resolve(source, true, tagName);
			if (result === NOT_RESOLVED) throwError$1(state, `cannot resolve a node with !<${tagName}> explicit tag`);
			return {
				value: result,
				tag: scalarTag
			};
		}
		const collectionTagDef = state.schema.lookupMappingTag(tagName) ?? state.schema.lookupSequenceTag(tagName);
		if (collectionTagDef) {
			if (source !== "") throwError$1(state, `cannot resolve a node with !<${tagName}> explicit tag`);
			const carrier = collectionTagDef.create(tagName);
			return {
				value: collectionTagDef.carrierIsResult ? carrier : finalizeCollection(state, state.position, collectionTagDef, carrier),
				tag: collectionTagDef
			};
		}
		throwError$1(state, `unknown scalar tag !<${tagName}>`);
	}
	if (event.style === SCALAR_STYLE.PLAIN) return state.schema.resolveImplicitScalarTag(source);
	return {
		value: strTag.resolve(source, false, strTag.tagName),
		tag: strTag
	};
}
function collectionTagName(state, event, defaultTagName) {
	const rawTag = event.tagStart === NO_RANGE$2 ? "" : state.source.slice(event.tagStart, event.tagEnd);
	return rawTag === "" || rawTag === "!" ? defaultTagName : tagNameFull(rawTag, state.tagHandlers);
}
function isMappingTag(tag) {
	return tag.nodeKind === "mapping";
}
function chargeMergeWork(state) {
	state.totalMergeKeys++;
	if (state.maxTotalMergeKeys !== -1 && state.totalMergeKeys > state.maxTotalMergeKeys) throwError$1(state, `merge keys exceeded maxTotalMergeKeys (${state.maxTotalMergeKeys})`);
}
function mergeKeys(state, frame, source, sourceTag) {
	chargeMergeWork(state);
	for (const sourceKey of sourceTag.keys(source)) {
		chargeMergeWork(state);
		if (frame.tag.has(frame.value, sourceKey)) continue;
		const err = frame.tag.addPair(frame.value, sourceKey, sourceTag.get(source, sourceKey));
		if (err) throwError$1(state, err);
		frame.overridable ??= /* @__PURE__ */ new Set();
		frame.overridable.add(sourceKey);
	}
}
function mergeSource(state, frame, source, sourceTag) {
	state.position = frame.keyPosition;
	if (isMappingTag(sourceTag)) mergeKeys(state, frame, source, sourceTag);
	else if (sourceTag.nodeKind === "sequence" && Array.isArray(source)) {
		if (source.length > 100) throwError$1(state, "abnormal merge sequence size");
		for (const element of source) {
			const elementTag = state.nodeTags.get(element);
			if (!elementTag) throwError$1(state, "cannot merge mappings; the provided source object is unacceptable");
			mergeKeys(state, frame, element, elementTag);
		}
	} else throwError$1(state, "cannot merge mappings; the provided source object is unacceptable");
}
function addMappingValue(state, frame, key, value, tag) {
	state.position = frame.keyPosition;
	if (frame.keyIsMerge) {
		mergeSource(state, frame, value, tag);
		return;
	}
	if (!state.json && frame.tag.has(frame.value, key) && !frame.overridable?.has(key)) throwError$1(state, "duplicated mapping key");
	const err = frame.tag.addPair(frame.value, key, value);
	if (err) throwError$1(state, err);
	frame.overridable?.delete(key);
}
function addValue(state, value, tag) {
	const frame = state.frames[state.frames.length - 1];
	if (frame.kind === "document") {
		frame.value = value;
		frame.hasValue = true;
	} else if (frame.kind === "sequence") {
		if (isMappingTag(tag)) state.nodeTags.set(value, tag);
		const err = frame.tag.addItem(frame.value, value, frame.index++);
		if (err) throwError$1(state, err);
	} else if (frame.hasKey) {
		const key = frame.key;
		frame.key = void 0;
		frame.hasKey = false;
		addMappingValue(state, frame, key, value, tag);
	} else {
		frame.key = value;
		frame.keyPosition = state.position;
		frame.hasKey = true;
		frame.keyIsMerge = tag.tagName === MERGE_TAG_NAME;
	}
}
function storeAnchor(state, event, value, tag, isValueFinal) {
	if (event.anchorStart !== NO_RANGE$2) {
		const anchor = {
			value,
			tag,
			isValueFinal
		};
		state.anchors.set(state.source.slice(event.anchorStart, event.anchorEnd), anchor);
		return anchor;
	}
	return null;
}
/**
* Constructs JavaScript documents directly from parser events, without an
* intermediate AST.
*
* @category Events
*/
function constructFromEvents(events, options) {
	const state = {
		...DEFAULT_CONSTRUCTOR_OPTIONS,
		...options,
		events,
		documents: [],
		eventIndex: 0,
		position: 0,
		frames: [],
		anchors: /* @__PURE__ */ new Map(),
		nodeTags: /* @__PURE__ */ new Map(),
		tagHandlers: Object.create(null),
		totalMergeKeys: 0,
		aliasCount: 0
	};
	while (state.eventIndex < state.events.length) {
		const event = state.events[state.eventIndex++];
		state.position = eventPosition$1(event);
		switch (event.type) {
			case EVENT_ID.DOCUMENT:
				state.anchors = /* @__PURE__ */ new Map();
				state.nodeTags = /* @__PURE__ */ new Map();
				state.aliasCount = 0;
				state.tagHandlers = Object.create(null);
				for (const directive of event.directives) if (directive.kind === "tag") state.tagHandlers[directive.handle] = directive.prefix;
				state.frames.push({
					kind: "document",
					position: state.position,
					value: void 0,
					hasValue: false
				});
				break;
			case EVENT_ID.SCALAR: {
				const { value, tag } = constructScalar(state, event);
				storeAnchor(state, event, value, tag, true);
				addValue(state, value, tag);
				break;
			}
			case EVENT_ID.SEQUENCE: {
				const tagName = collectionTagName(state, event, "tag:yaml.org,2002:seq");
				const tag = state.schema.lookupSequenceTag(tagName);
				if (!tag) throwError$1(state, `unknown sequence tag !<${tagName}>`);
				const value = tag.create(tagName);
				const anchor = storeAnchor(state, event, value, tag, tag.carrierIsResult);
				state.frames.push({
					kind: "sequence",
					position: state.position,
					value,
					tag,
					anchor,
					index: 0
				});
				break;
			}
			case EVENT_ID.MAPPING: {
				const tagName = collectionTagName(state, event, "tag:yaml.org,2002:map");
				const tag = state.schema.lookupMappingTag(tagName);
				if (!tag) throwError$1(state, `unknown mapping tag !<${tagName}>`);
				const value = tag.create(tagName);
				const anchor = storeAnchor(state, event, value, tag, tag.carrierIsResult);
				state.frames.push({
					kind: "mapping",
					position: state.position,
					value,
					tag,
					anchor,
					key: void 0,
					keyPosition: state.position,
					hasKey: false,
					keyIsMerge: false,
					overridable: null
				});
				break;
			}
			case EVENT_ID.ALIAS: {
				if (state.maxAliases !== -1 && ++state.aliasCount > state.maxAliases) throwError$1(state, `aliases exceeded maxAliases (${state.maxAliases})`);
				const name = state.source.slice(event.anchorStart, event.anchorEnd);
				const anchor = state.anchors.get(name);
				if (!anchor) throwError$1(state, `unidentified alias "${name}"`);
				if (!anchor.isValueFinal) throwError$1(state, `recursive alias "${name}" is not supported for tag ${anchor.tag.tagName} because it uses finalize()`);
				addValue(state, anchor.value, anchor.tag);
				break;
			}
			case EVENT_ID.POP: {
				const frame = state.frames.pop();
				if (frame.kind === "mapping" && frame.hasKey) {
					state.position = frame.keyPosition;
					throwError$1(state, "incomplete mapping pair in event stream");
				}
				if (frame.kind === "document") state.documents.push(frame.value);
				else {
					const value = frame.tag.carrierIsResult ? frame.value : finalizeCollection(state, frame.position, frame.tag, frame.value);
					if (frame.anchor) {
						frame.anchor.value = value;
						frame.anchor.isValueFinal = true;
					}
					addValue(state, value, frame.tag);
				}
				break;
			}
		}
	}
	return state.documents;
}
//#endregion
//#region src/parser/parser.ts
var NO_RANGE$1 = -1;
var HAS_OWN = Object.prototype.hasOwnProperty;
var CONTEXT_FLOW_IN = 1;
var CONTEXT_FLOW_OUT = 2;
var CONTEXT_BLOCK_IN = 3;
var CONTEXT_BLOCK_OUT = 4;
var PATTERN_NON_PRINTABLE = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF]/;
var PATTERN_FLOW_INDICATORS = /[,\[\]{}]/;
var PATTERN_TAG_HANDLE = /^(?:!|!!|![0-9A-Za-z-]+!)$/;
var NS_URI_CHAR = String.raw`(?:%[0-9A-Fa-f]{2}|[0-9A-Za-z\-#;/?:@&=+$,_.!~*'()\[\]])`;
var NS_TAG_CHAR = String.raw`(?:%[0-9A-Fa-f]{2}|[0-9A-Za-z\-#;/?:@&=+$.~*'()_])`;
var PATTERN_TAG_URI = new RegExp(`^(?:${NS_URI_CHAR})*$`);
var PATTERN_TAG_SUFFIX = new RegExp(`^(?:${NS_TAG_CHAR})+$`);
var PATTERN_TAG_PREFIX = new RegExp(`^(?:!(?:${NS_URI_CHAR})*|${NS_TAG_CHAR}(?:${NS_URI_CHAR})*)$`);
var DEFAULT_PARSER_OPTIONS = {
	filename: "",
	maxDepth: 100
};
function addDocumentEvent(state, explicitStart, explicitEnd) {
	state.events.push({
		type: EVENT_ID.DOCUMENT,
		explicitStart,
		explicitEnd,
		directives: state.directives
	});
}
function addSequenceEvent(state, start, anchorStart, anchorEnd, tagStart, tagEnd, style) {
	state.events.push({
		type: EVENT_ID.SEQUENCE,
		start,
		anchorStart,
		anchorEnd,
		tagStart,
		tagEnd,
		style
	});
}
function addMappingEvent(state, start, anchorStart, anchorEnd, tagStart, tagEnd, style) {
	state.events.push({
		type: EVENT_ID.MAPPING,
		start,
		anchorStart,
		anchorEnd,
		tagStart,
		tagEnd,
		style
	});
}
function insertFlowPairMappingEvent(state, snapshot) {
	state.events.splice(snapshot.eventsLength, 0, {
		type: EVENT_ID.MAPPING,
		start: snapshot.position,
		anchorStart: NO_RANGE$1,
		anchorEnd: NO_RANGE$1,
		tagStart: NO_RANGE$1,
		tagEnd: NO_RANGE$1,
		style: COLLECTION_STYLE.FLOW
	});
}
function addScalarEvent(state, valueStart, valueEnd, anchorStart, anchorEnd, tagStart, tagEnd, style, chomping = CHOMPING_MODE.CLIP, indent = -1, fast = false) {
	state.events.push({
		type: EVENT_ID.SCALAR,
		valueStart,
		valueEnd,
		anchorStart,
		anchorEnd,
		tagStart,
		tagEnd,
		style,
		chomping,
		indent,
		fast
	});
}
function addAliasEvent(state, anchorStart, anchorEnd) {
	state.events.push({
		type: EVENT_ID.ALIAS,
		anchorStart,
		anchorEnd
	});
}
function addPopEvent(state) {
	state.events.push({ type: EVENT_ID.POP });
}
function addEmptyScalarEvent(state) {
	addScalarEvent(state, NO_RANGE$1, NO_RANGE$1, NO_RANGE$1, NO_RANGE$1, NO_RANGE$1, NO_RANGE$1, SCALAR_STYLE.PLAIN);
}
function emptyProperties() {
	return {
		anchorStart: NO_RANGE$1,
		anchorEnd: NO_RANGE$1,
		tagStart: NO_RANGE$1,
		tagEnd: NO_RANGE$1
	};
}
function snapshotState(state) {
	return {
		position: state.position,
		line: state.line,
		lineStart: state.lineStart,
		lineIndent: state.lineIndent,
		firstTabInLine: state.firstTabInLine,
		eventsLength: state.events.length
	};
}
function restoreState(state, snapshot) {
	state.position = snapshot.position;
	state.line = snapshot.line;
	state.lineStart = snapshot.lineStart;
	state.lineIndent = snapshot.lineIndent;
	state.firstTabInLine = snapshot.firstTabInLine;
	state.events.length = snapshot.eventsLength;
}
function throwError(state, message) {
	YAMLException.throwAt(state.input.slice(0, state.length), state.position, message, state.filename);
}
function isEol(c) {
	return c === 10 || c === 13;
}
function isWhiteSpace(c) {
	return c === 9 || c === 32;
}
function isWsOrEol(c) {
	return isWhiteSpace(c) || isEol(c);
}
function isWsOrEolOrEnd(c) {
	return c === 0 || isWsOrEol(c);
}
function isFlowIndicator(c) {
	return c === 44 || c === 91 || c === 93 || c === 123 || c === 125;
}
function fromDecimalCode(c) {
	return c >= 48 && c <= 57 ? c - 48 : -1;
}
function fromHexCode(c) {
	if (c >= 48 && c <= 57) return c - 48;
	const lc = c | 32;
	if (lc >= 97 && lc <= 102) return lc - 97 + 10;
	return -1;
}
function escapedHexLen(c) {
	if (c === 120) return 2;
	if (c === 117) return 4;
	if (c === 85) return 8;
	return 0;
}
function isSimpleEscape(c) {
	return c === 48 || c === 97 || c === 98 || c === 116 || c === 9 || c === 110 || c === 118 || c === 102 || c === 114 || c === 101 || c === 32 || c === 34 || c === 47 || c === 92 || c === 78 || c === 95 || c === 76 || c === 80;
}
function consumeLineBreak(state) {
	if (state.input.charCodeAt(state.position) === 10) state.position++;
	else {
		state.position++;
		if (state.input.charCodeAt(state.position) === 10) state.position++;
	}
	state.line++;
	state.lineStart = state.position;
	state.lineIndent = 0;
	state.firstTabInLine = -1;
}
function skipSeparationSpace(state, allowComments) {
	let lineBreaks = 0;
	let ch = state.input.charCodeAt(state.position);
	let hasSeparation = state.position === state.lineStart || isWsOrEol(state.input.charCodeAt(state.position - 1));
	while (ch !== 0) {
		while (isWhiteSpace(ch)) {
			hasSeparation = true;
			if (ch === 9 && state.firstTabInLine === -1) state.firstTabInLine = state.position;
			ch = state.input.charCodeAt(++state.position);
		}
		if (allowComments && hasSeparation && ch === 35) do
			ch = state.input.charCodeAt(++state.position);
		while (!isEol(ch) && ch !== 0);
		if (!isEol(ch)) break;
		consumeLineBreak(state);
		lineBreaks++;
		hasSeparation = true;
		ch = state.input.charCodeAt(state.position);
		while (ch === 32) {
			state.lineIndent++;
			ch = state.input.charCodeAt(++state.position);
		}
	}
	return lineBreaks;
}
function testDocumentSeparator(state, position = state.position) {
	const ch = state.input.charCodeAt(position);
	if ((ch === 45 || ch === 46) && ch === state.input.charCodeAt(position + 1) && ch === state.input.charCodeAt(position + 2)) {
		const following = state.input.charCodeAt(position + 3);
		return following === 0 || isWsOrEol(following);
	}
	return false;
}
function skipByteOrderMark(state) {
	if (state.position === state.lineStart && state.input.charCodeAt(state.position) === 65279) {
		state.position++;
		state.lineStart = state.position;
	}
}
function testDocumentBoundary(state) {
	if (state.position !== state.lineStart) return false;
	if (testDocumentSeparator(state)) return true;
	if (state.input.charCodeAt(state.position) !== 65279) return false;
	const snapshot = snapshotState(state);
	skipByteOrderMark(state);
	skipSeparationSpace(state, true);
	const ch = state.input.charCodeAt(state.position);
	const result = state.position === state.lineStart && (ch === 37 || ch === 45 && testDocumentSeparator(state));
	restoreState(state, snapshot);
	return result;
}
function skipUntilLineEnd(state) {
	let ch = state.input.charCodeAt(state.position);
	while (ch !== 0 && !isEol(ch)) ch = state.input.charCodeAt(++state.position);
}
function checkPrintable(state, start, end) {
	const match = PATTERN_NON_PRINTABLE.exec(state.input.slice(start, end));
	if (match !== null) {
		state.position = start + match.index + match[0].length - 1;
		throwError(state, "the stream contains non-printable characters");
	}
}
function readTagProperty(state, props, inFlow) {
	if (state.input.charCodeAt(state.position) !== 33) return false;
	if (props.tagStart !== NO_RANGE$1) throwError(state, "duplication of a tag property");
	const start = state.position;
	let isVerbatim = false;
	let isNamed = false;
	let tagHandle = "!";
	let ch = state.input.charCodeAt(++state.position);
	if (ch === 60) {
		isVerbatim = true;
		ch = state.input.charCodeAt(++state.position);
	} else if (ch === 33) {
		isNamed = true;
		tagHandle = "!!";
		ch = state.input.charCodeAt(++state.position);
	}
	let suffixStart = state.position;
	let tagName;
	if (isVerbatim) {
		while (ch !== 0 && ch !== 62) ch = state.input.charCodeAt(++state.position);
		if (ch !== 62) throwError(state, "unexpected end of the stream within a verbatim tag");
		tagName = state.input.slice(suffixStart, state.position);
		state.position++;
	} else {
		while (ch !== 0 && !isWsOrEol(ch) && !(inFlow && isFlowIndicator(ch))) {
			if (ch === 33) {
				if (!isNamed) {
					tagHandle = state.input.slice(suffixStart - 1, state.position + 1);
					if (!PATTERN_TAG_HANDLE.test(tagHandle)) throwError(state, "named tag handle cannot contain such characters");
					isNamed = true;
					suffixStart = state.position + 1;
				} else throwError(state, "tag suffix cannot contain exclamation marks");
			}
			ch = state.input.charCodeAt(++state.position);
		}
		tagName = state.input.slice(suffixStart, state.position);
		if (PATTERN_FLOW_INDICATORS.test(tagName)) throwError(state, "tag suffix cannot contain flow indicator characters");
	}
	if (tagName && !(isVerbatim ? PATTERN_TAG_URI.test(tagName) : PATTERN_TAG_SUFFIX.test(tagName))) throwError(state, `tag name cannot contain such characters: ${tagName}`);
	if (!isVerbatim && tagHandle !== "!" && tagHandle !== "!!" && !HAS_OWN.call(state.tagHandlers, tagHandle)) throwError(state, `undeclared tag handle "${tagHandle}"`);
	props.tagStart = start;
	props.tagEnd = state.position;
	return true;
}
function readAnchorProperty(state, props) {
	if (state.input.charCodeAt(state.position) !== 38) return false;
	if (props.anchorStart !== NO_RANGE$1) throwError(state, "duplication of an anchor property");
	state.position++;
	const start = state.position;
	while (state.input.charCodeAt(state.position) !== 0 && !isWsOrEol(state.input.charCodeAt(state.position)) && !isFlowIndicator(state.input.charCodeAt(state.position))) state.position++;
	if (state.position === start) throwError(state, "name of an anchor node must contain at least one character");
	props.anchorStart = start;
	props.anchorEnd = state.position;
	return true;
}
function readAlias(state, props) {
	if (state.input.charCodeAt(state.position) !== 42) return false;
	if (props.anchorStart !== NO_RANGE$1 || props.tagStart !== NO_RANGE$1) throwError(state, "alias node should not have any properties");
	state.position++;
	const start = state.position;
	while (state.input.charCodeAt(state.position) !== 0 && !isWsOrEol(state.input.charCodeAt(state.position)) && !isFlowIndicator(state.input.charCodeAt(state.position))) state.position++;
	if (state.position === start) throwError(state, "name of an alias node must contain at least one character");
	addAliasEvent(state, start, state.position);
	return true;
}
function readFlowScalarBreak(state, nodeIndent) {
	skipSeparationSpace(state, false);
	if (state.lineIndent < nodeIndent) throwError(state, "deficient indentation");
}
function readSingleQuotedScalar(state, nodeIndent, props) {
	if (state.input.charCodeAt(state.position) !== 39) return false;
	state.position++;
	const start = state.position;
	let simple = true;
	while (state.input.charCodeAt(state.position) !== 0) {
		const ch = state.input.charCodeAt(state.position);
		if (ch === 39) {
			if (state.input.charCodeAt(state.position + 1) === 39) {
				simple = false;
				state.position += 2;
				continue;
			}
			const end = state.position;
			state.position++;
			addScalarEvent(state, start, end, props.anchorStart, props.anchorEnd, props.tagStart, props.tagEnd, SCALAR_STYLE.SINGLE_QUOTED, CHOMPING_MODE.CLIP, -1, simple);
			return true;
		}
		if (isEol(ch)) {
			simple = false;
			readFlowScalarBreak(state, nodeIndent);
		} else if (state.position === state.lineStart && testDocumentSeparator(state)) throwError(state, "unexpected end of the document within a single quoted scalar");
		else if (ch !== 9 && ch < 32) throwError(state, "expected valid JSON character");
		else state.position++;
	}
	throwError(state, "unexpected end of the stream within a single quoted scalar");
}
function readDoubleQuotedScalar(state, nodeIndent, props) {
	if (state.input.charCodeAt(state.position) !== 34) return false;
	state.position++;
	const start = state.position;
	let simple = true;
	while (state.input.charCodeAt(state.position) !== 0) {
		const ch = state.input.charCodeAt(state.position);
		if (ch === 34) {
			const end = state.position;
			state.position++;
			addScalarEvent(state, start, end, props.anchorStart, props.anchorEnd, props.tagStart, props.tagEnd, SCALAR_STYLE.DOUBLE_QUOTED, CHOMPING_MODE.CLIP, -1, simple);
			return true;
		}
		if (ch === 92) {
			simple = false;
			const escaped = state.input.charCodeAt(++state.position);
			if (isEol(escaped)) readFlowScalarBreak(state, nodeIndent);
			else if (isSimpleEscape(escaped)) state.position++;
			else {
				let hexLength = escapedHexLen(escaped);
				if (hexLength === 0) throwError(state, "unknown escape sequence");
				while (hexLength-- > 0) {
					state.position++;
					if (fromHexCode(state.input.charCodeAt(state.position)) < 0) throwError(state, "expected hexadecimal character");
				}
				state.position++;
			}
		} else if (isEol(ch)) {
			simple = false;
			readFlowScalarBreak(state, nodeIndent);
		} else if (state.position === state.lineStart && testDocumentSeparator(state)) throwError(state, "unexpected end of the document within a double quoted scalar");
		else if (ch !== 9 && ch < 32) throwError(state, "expected valid JSON character");
		else state.position++;
	}
	throwError(state, "unexpected end of the stream within a double quoted scalar");
}
function readBlockScalar(state, parentIndent, props) {
	const ch = state.input.charCodeAt(state.position);
	let chomping = CHOMPING_MODE.CLIP;
	let indent = -1;
	let detectedIndent = false;
	if (ch !== 124 && ch !== 62) return false;
	const style = ch === 124 ? SCALAR_STYLE.LITERAL_BLOCK : SCALAR_STYLE.FOLDED_BLOCK;
	state.position++;
	while (state.input.charCodeAt(state.position) !== 0) {
		const current = state.input.charCodeAt(state.position);
		const digit = fromDecimalCode(current);
		if (current === 43 || current === 45) {
			if (chomping !== CHOMPING_MODE.CLIP) throwError(state, "repeat of a chomping mode identifier");
			chomping = current === 43 ? CHOMPING_MODE.KEEP : CHOMPING_MODE.STRIP;
			state.position++;
		} else if (digit >= 0) {
			if (digit === 0) throwError(state, "bad explicit indentation width of a block scalar; it cannot be less than one");
			if (detectedIndent) throwError(state, "repeat of an indentation width identifier");
			indent = parentIndent + digit - 1;
			detectedIndent = true;
			state.position++;
		} else break;
	}
	let hadWhitespace = false;
	while (isWhiteSpace(state.input.charCodeAt(state.position))) {
		hadWhitespace = true;
		state.position++;
	}
	if (hadWhitespace && state.input.charCodeAt(state.position) === 35) skipUntilLineEnd(state);
	if (isEol(state.input.charCodeAt(state.position))) consumeLineBreak(state);
	else if (state.input.charCodeAt(state.position) !== 0) throwError(state, "a line break is expected");
	let contentIndent = detectedIndent ? indent : -1;
	let maxLeadingIndent = 0;
	const valueStart = state.position;
	let valueEnd = state.position;
	while (state.input.charCodeAt(state.position) !== 0) {
		const linePosition = state.position;
		let column = 0;
		while (state.input.charCodeAt(linePosition + column) === 32) column++;
		const first = state.input.charCodeAt(linePosition + column);
		if (first === 0) {
			if (contentIndent >= 0) {
				if (column > contentIndent) valueEnd = linePosition + column;
			} else if (column > 0) valueEnd = linePosition + column;
			break;
		}
		if (testDocumentBoundary(state)) break;
		if (!detectedIndent && contentIndent === -1 && isEol(first)) maxLeadingIndent = Math.max(maxLeadingIndent, column);
		if (!detectedIndent && contentIndent === -1 && !isEol(first)) {
			if (first === 9 && column < parentIndent) {
				state.position = linePosition + column;
				throwError(state, "tab characters must not be used in indentation");
			}
			if (column >= parentIndent && column < maxLeadingIndent) {
				state.position = linePosition + column;
				throwError(state, "bad indentation of a mapping entry");
			}
		}
		if (contentIndent === -1 && first !== 0 && !isEol(first) && column < parentIndent) {
			state.lineIndent = column;
			state.position = linePosition + column;
			break;
		}
		if (!detectedIndent && first !== 0 && !isEol(first) && contentIndent === -1) contentIndent = column;
		const requiredIndent = contentIndent === -1 ? parentIndent + 1 : contentIndent;
		if (first !== 0 && !isEol(first) && column < requiredIndent) {
			state.lineIndent = column;
			state.position = linePosition + column;
			break;
		}
		skipUntilLineEnd(state);
		valueEnd = state.position;
		if (isEol(state.input.charCodeAt(state.position))) {
			consumeLineBreak(state);
			valueEnd = state.position;
		}
	}
	checkPrintable(state, valueStart, valueEnd);
	addScalarEvent(state, valueStart, valueEnd, props.anchorStart, props.anchorEnd, props.tagStart, props.tagEnd, style, chomping, contentIndent);
	return true;
}
function canStartPlainScalar(state, nodeContext) {
	const ch = state.input.charCodeAt(state.position);
	const inFlow = nodeContext === CONTEXT_FLOW_IN;
	if (ch === 0 || isWsOrEol(ch) || ch === 35 || ch === 38 || ch === 42 || ch === 33 || ch === 124 || ch === 62 || ch === 39 || ch === 34 || ch === 37 || ch === 64 || ch === 96 || isFlowIndicator(ch)) return false;
	if (ch === 63 || ch === 45) {
		const following = state.input.charCodeAt(state.position + 1);
		if (isWsOrEolOrEnd(following) || inFlow && isFlowIndicator(following)) return false;
	}
	return true;
}
function readPlainScalar(state, nodeIndent, nodeContext, props) {
	if (!canStartPlainScalar(state, nodeContext)) return false;
	const start = state.position;
	let end = state.position;
	let ch = state.input.charCodeAt(state.position);
	const inFlow = nodeContext === CONTEXT_FLOW_IN;
	let multiline = false;
	while (ch !== 0) {
		if (testDocumentBoundary(state)) break;
		if (ch === 58) {
			const following = state.input.charCodeAt(state.position + 1);
			if (isWsOrEolOrEnd(following) || inFlow && isFlowIndicator(following)) break;
		} else if (ch === 35) {
			if (isWsOrEol(state.input.charCodeAt(state.position - 1))) break;
		} else if (inFlow && isFlowIndicator(ch)) break;
		else if (isEol(ch)) {
			const savedPosition = state.position;
			const savedLine = state.line;
			const savedLineStart = state.lineStart;
			const savedLineIndent = state.lineIndent;
			skipSeparationSpace(state, false);
			if (state.lineIndent >= nodeIndent) {
				multiline = true;
				ch = state.input.charCodeAt(state.position);
				continue;
			}
			state.position = savedPosition;
			state.line = savedLine;
			state.lineStart = savedLineStart;
			state.lineIndent = savedLineIndent;
			break;
		}
		if (!isWhiteSpace(ch)) end = state.position + 1;
		ch = state.input.charCodeAt(++state.position);
	}
	if (end === start) return false;
	checkPrintable(state, start, end);
	addScalarEvent(state, start, end, props.anchorStart, props.anchorEnd, props.tagStart, props.tagEnd, SCALAR_STYLE.PLAIN, CHOMPING_MODE.CLIP, -1, !multiline);
	return true;
}
function skipFlowSeparationSpace(state, nodeIndent) {
	const startLine = state.line;
	skipSeparationSpace(state, true);
	if (state.line > startLine && state.lineIndent < nodeIndent || state.firstTabInLine !== -1 && state.lineIndent < nodeIndent) throwError(state, "deficient indentation");
}
function readFlowCollection(state, nodeIndent, props) {
	const ch = state.input.charCodeAt(state.position);
	const isMapping = ch === 123;
	const start = state.position;
	let readNext = true;
	if (ch !== 91 && ch !== 123) return false;
	const terminator = isMapping ? 125 : 93;
	if (isMapping) addMappingEvent(state, start, props.anchorStart, props.anchorEnd, props.tagStart, props.tagEnd, COLLECTION_STYLE.FLOW);
	else addSequenceEvent(state, start, props.anchorStart, props.anchorEnd, props.tagStart, props.tagEnd, COLLECTION_STYLE.FLOW);
	state.position++;
	while (state.input.charCodeAt(state.position) !== 0) {
		skipFlowSeparationSpace(state, nodeIndent);
		let ch = state.input.charCodeAt(state.position);
		if (ch === terminator) {
			state.position++;
			addPopEvent(state);
			return true;
		} else if (!readNext) throwError(state, "missed comma between flow collection entries");
		else if (ch === 44) throwError(state, "expected the node content, but found ','");
		let isPair = false;
		let isExplicitPair = false;
		if (ch === 63 && isWsOrEol(state.input.charCodeAt(state.position + 1))) {
			isPair = isExplicitPair = true;
			state.position += 1;
			skipFlowSeparationSpace(state, nodeIndent);
		}
		const entryLine = state.line;
		const entryStart = snapshotState(state);
		const keyWasRead = parseNode(state, nodeIndent, CONTEXT_FLOW_IN, false, true);
		skipFlowSeparationSpace(state, nodeIndent);
		ch = state.input.charCodeAt(state.position);
		if ((isMapping || isExplicitPair || state.line === entryLine) && ch === 58) {
			isPair = true;
			state.position++;
			skipFlowSeparationSpace(state, nodeIndent);
			if (!isMapping) {
				insertFlowPairMappingEvent(state, entryStart);
				if (!keyWasRead) addEmptyScalarEvent(state);
			} else if (!keyWasRead) addEmptyScalarEvent(state);
			if (!parseNode(state, nodeIndent, CONTEXT_FLOW_IN, false, true)) addEmptyScalarEvent(state);
			skipFlowSeparationSpace(state, nodeIndent);
			if (!isMapping) addPopEvent(state);
		} else if (isMapping && isPair) {
			if (!keyWasRead) addEmptyScalarEvent(state);
			addEmptyScalarEvent(state);
		} else if (isMapping) addEmptyScalarEvent(state);
		else if (isPair) {
			insertFlowPairMappingEvent(state, entryStart);
			if (!keyWasRead) addEmptyScalarEvent(state);
			addEmptyScalarEvent(state);
			addPopEvent(state);
		}
		ch = state.input.charCodeAt(state.position);
		if (ch === 44) {
			readNext = true;
			state.position++;
		} else readNext = false;
	}
	throwError(state, "unexpected end of the stream within a flow collection");
}
function readBlockSequence(state, nodeIndent, props) {
	if (state.firstTabInLine !== -1 || state.input.charCodeAt(state.position) !== 45 || !isWsOrEolOrEnd(state.input.charCodeAt(state.position + 1))) return false;
	addSequenceEvent(state, state.position, props.anchorStart, props.anchorEnd, props.tagStart, props.tagEnd, COLLECTION_STYLE.BLOCK);
	while (state.input.charCodeAt(state.position) === 45 && isWsOrEolOrEnd(state.input.charCodeAt(state.position + 1))) {
		if (state.firstTabInLine !== -1) {
			state.position = state.firstTabInLine;
			throwError(state, "tab characters must not be used in indentation");
		}
		const entryLine = state.line;
		state.position++;
		const hadBreak = skipSeparationSpace(state, true) > 0;
		if (state.firstTabInLine !== -1 && state.input.charCodeAt(state.position) === 45 && isWsOrEolOrEnd(state.input.charCodeAt(state.position + 1))) throwError(state, "bad indentation of a sequence entry");
		if (hadBreak && state.lineIndent <= nodeIndent) addEmptyScalarEvent(state);
		else parseNode(state, nodeIndent, CONTEXT_BLOCK_IN, false, true);
		skipSeparationSpace(state, true);
		if (state.lineIndent < nodeIndent || state.position >= state.length) break;
		if (state.lineIndent > nodeIndent) throwError(state, "bad indentation of a sequence entry");
		if (state.line === entryLine && state.input.charCodeAt(state.position) === 45 && isWsOrEolOrEnd(state.input.charCodeAt(state.position + 1))) throwError(state, "bad indentation of a sequence entry");
	}
	addPopEvent(state);
	return true;
}
function readBlockMapping(state, nodeIndent, flowIndent, props) {
	let atExplicitKey = false;
	let detected = false;
	let mappingOpened = false;
	let pendingExplicitKey = false;
	if (state.firstTabInLine !== -1) return false;
	let ch = state.input.charCodeAt(state.position);
	while (ch !== 0) {
		if (!atExplicitKey && state.firstTabInLine !== -1) {
			state.position = state.firstTabInLine;
			throwError(state, "tab characters must not be used in indentation");
		}
		const following = state.input.charCodeAt(state.position + 1);
		const entryLine = state.line;
		if ((ch === 63 || ch === 58) && isWsOrEolOrEnd(following)) {
			if (!mappingOpened) {
				addMappingEvent(state, state.position, props.anchorStart, props.anchorEnd, props.tagStart, props.tagEnd, COLLECTION_STYLE.BLOCK);
				mappingOpened = true;
			}
			if (ch === 63) {
				if (atExplicitKey) addEmptyScalarEvent(state);
				detected = true;
				atExplicitKey = true;
			} else if (atExplicitKey) atExplicitKey = false;
			else {
				addEmptyScalarEvent(state);
				detected = true;
				atExplicitKey = false;
			}
			state.position += 1;
			pendingExplicitKey = true;
		} else {
			if (atExplicitKey) {
				addEmptyScalarEvent(state);
				atExplicitKey = false;
			}
			const beforeKey = snapshotState(state);
			if (!parseNode(state, flowIndent, CONTEXT_FLOW_OUT, false, true)) break;
			if (state.line === entryLine) {
				ch = state.input.charCodeAt(state.position);
				while (isWhiteSpace(ch)) ch = state.input.charCodeAt(++state.position);
				if (ch === 58) {
					ch = state.input.charCodeAt(++state.position);
					if (!isWsOrEolOrEnd(ch)) throwError(state, "a whitespace character is expected after the key-value separator within a block mapping");
					if (!mappingOpened) {
						state.events.splice(beforeKey.eventsLength, 0, {
							type: EVENT_ID.MAPPING,
							start: beforeKey.position,
							anchorStart: props.anchorStart,
							anchorEnd: props.anchorEnd,
							tagStart: props.tagStart,
							tagEnd: props.tagEnd,
							style: COLLECTION_STYLE.BLOCK
						});
						mappingOpened = true;
					}
					detected = true;
					atExplicitKey = false;
					pendingExplicitKey = false;
				} else if (detected) throwError(state, "expected ':' after a mapping key");
				else {
					if (props.anchorStart !== NO_RANGE$1 || props.tagStart !== NO_RANGE$1) {
						restoreState(state, beforeKey);
						return false;
					}
					return true;
				}
			} else if (detected) throwError(state, "can not read a block mapping entry; a multiline key may not be an implicit key");
			else {
				if (props.anchorStart !== NO_RANGE$1 || props.tagStart !== NO_RANGE$1) {
					restoreState(state, beforeKey);
					return false;
				}
				return true;
			}
		}
		if (parseNode(state, nodeIndent, CONTEXT_BLOCK_OUT, true, pendingExplicitKey)) pendingExplicitKey = false;
		if (!atExplicitKey) {
			if (pendingExplicitKey) {
				addEmptyScalarEvent(state);
				pendingExplicitKey = false;
			}
		}
		skipSeparationSpace(state, true);
		ch = state.input.charCodeAt(state.position);
		if ((state.line === entryLine || state.lineIndent > nodeIndent) && ch !== 0) throwError(state, "bad indentation of a mapping entry");
		else if (state.lineIndent < nodeIndent) break;
	}
	if (!detected) return false;
	if (atExplicitKey) addEmptyScalarEvent(state);
	if (mappingOpened) addPopEvent(state);
	return true;
}
function parseNode(state, parentIndent, nodeContext, allowToSeek, allowCompact, allowPropertyMapping = true) {
	if (state.depth >= state.maxDepth) throwError(state, `nesting exceeded maxDepth (${state.maxDepth})`);
	state.depth++;
	let indentStatus = 1;
	let atNewLine = false;
	let hasContent = false;
	let propertyStart = null;
	const props = emptyProperties();
	let allowBlockScalars = nodeContext === CONTEXT_BLOCK_OUT || nodeContext === CONTEXT_BLOCK_IN;
	let allowBlockCollections = allowBlockScalars;
	const allowBlockStyles = allowBlockScalars;
	if (allowToSeek && skipSeparationSpace(state, true)) {
		atNewLine = true;
		if (state.lineIndent > parentIndent) indentStatus = 1;
		else if (state.lineIndent === parentIndent) indentStatus = 0;
		else indentStatus = -1;
	}
	if (indentStatus === 1) while (true) {
		const ch = state.input.charCodeAt(state.position);
		const propertyState = snapshotState(state);
		if (atNewLine && indentStatus !== 1 && (ch === 33 || ch === 38)) break;
		if (atNewLine && allowBlockStyles && (props.tagStart !== NO_RANGE$1 || props.anchorStart !== NO_RANGE$1) && (ch === 33 || ch === 38)) {
			const fallbackState = snapshotState(state);
			const flowIndent = parentIndent + 1;
			if (readBlockMapping(state, state.position - state.lineStart, flowIndent, props) && state.events[fallbackState.eventsLength]?.type === EVENT_ID.MAPPING) {
				state.depth--;
				return true;
			}
			restoreState(state, fallbackState);
		}
		if (atNewLine && (ch === 33 && props.tagStart !== NO_RANGE$1 || ch === 38 && props.anchorStart !== NO_RANGE$1)) break;
		if (!readTagProperty(state, props, nodeContext === CONTEXT_FLOW_IN) && !readAnchorProperty(state, props)) break;
		if (propertyStart === null) propertyStart = propertyState;
		if (skipSeparationSpace(state, true)) {
			atNewLine = true;
			allowBlockCollections = allowBlockStyles;
			if (state.lineIndent > parentIndent) indentStatus = 1;
			else if (state.lineIndent === parentIndent) indentStatus = 0;
			else indentStatus = -1;
		} else allowBlockCollections = false;
	}
	if (allowBlockCollections) allowBlockCollections = atNewLine || allowCompact;
	if (indentStatus === 1 || nodeContext === CONTEXT_BLOCK_OUT) {
		const flowIndent = nodeContext === CONTEXT_FLOW_IN || nodeContext === CONTEXT_FLOW_OUT ? parentIndent : parentIndent + 1;
		const blockIndent = state.position - state.lineStart;
		if (indentStatus === 1) {
			if (allowBlockCollections && (readBlockSequence(state, blockIndent, props) || readBlockMapping(state, blockIndent, flowIndent, props)) || readFlowCollection(state, flowIndent, props)) hasContent = true;
			else {
				const ch = state.input.charCodeAt(state.position);
				if (propertyStart !== null && allowPropertyMapping && allowBlockStyles && !allowBlockCollections && ch !== 124 && ch !== 62) {
					const fallbackState = snapshotState(state);
					const propertyIndent = propertyStart.position - propertyStart.lineStart;
					restoreState(state, propertyStart);
					if (readBlockMapping(state, propertyIndent, flowIndent, emptyProperties()) && state.events[fallbackState.eventsLength]?.type === EVENT_ID.MAPPING) hasContent = true;
					else restoreState(state, fallbackState);
				}
				if (!hasContent && (allowBlockScalars && readBlockScalar(state, flowIndent, props) || readSingleQuotedScalar(state, flowIndent, props) || readDoubleQuotedScalar(state, flowIndent, props) || readAlias(state, props) || readPlainScalar(state, flowIndent, nodeContext, props))) hasContent = true;
			}
		} else if (indentStatus === 0) hasContent = allowBlockCollections && readBlockSequence(state, blockIndent, props);
	}
	allowBlockScalars = allowBlockScalars && !hasContent;
	if (!hasContent && (props.anchorStart !== NO_RANGE$1 || props.tagStart !== NO_RANGE$1 || allowBlockScalars)) {
		addScalarEvent(state, NO_RANGE$1, NO_RANGE$1, props.anchorStart, props.anchorEnd, props.tagStart, props.tagEnd, SCALAR_STYLE.PLAIN);
		hasContent = true;
	}
	state.depth--;
	return hasContent || props.anchorStart !== NO_RANGE$1 || props.tagStart !== NO_RANGE$1;
}
function readDirective(state) {
	if (state.lineIndent > 0 || state.input.charCodeAt(state.position) !== 37) return false;
	state.position++;
	const nameStart = state.position;
	while (state.input.charCodeAt(state.position) !== 0 && !isWsOrEol(state.input.charCodeAt(state.position))) state.position++;
	const name = state.input.slice(nameStart, state.position);
	const args = [];
	if (name.length === 0) throwError(state, "directive name must not be less than one character in length");
	while (state.input.charCodeAt(state.position) !== 0 && !isEol(state.input.charCodeAt(state.position))) {
		while (isWhiteSpace(state.input.charCodeAt(state.position))) state.position++;
		if (state.input.charCodeAt(state.position) === 35 || isEol(state.input.charCodeAt(state.position)) || state.input.charCodeAt(state.position) === 0) break;
		const start = state.position;
		while (state.input.charCodeAt(state.position) !== 0 && !isWsOrEol(state.input.charCodeAt(state.position))) state.position++;
		args.push(state.input.slice(start, state.position));
	}
	if (isEol(state.input.charCodeAt(state.position))) consumeLineBreak(state);
	if (name === "YAML") {
		if (state.directives.some((directive) => directive.kind === "yaml")) throwError(state, "duplication of %YAML directive");
		if (args.length !== 1) throwError(state, "YAML directive accepts exactly one argument");
		const match = /^([0-9]+)\.([0-9]+)$/.exec(args[0]);
		if (match === null) throwError(state, "ill-formed argument of the YAML directive");
		if (parseInt(match[1], 10) !== 1) throwError(state, "unacceptable YAML version of the document");
		state.directives.push({
			kind: "yaml",
			version: args[0]
		});
	} else if (name === "TAG") {
		if (args.length !== 2) throwError(state, "TAG directive accepts exactly two arguments");
		const [handle, prefix] = args;
		if (!PATTERN_TAG_HANDLE.test(handle)) throwError(state, "ill-formed tag handle (first argument) of the TAG directive");
		if (HAS_OWN.call(state.tagHandlers, handle)) throwError(state, `there is a previously declared suffix for "${handle}" tag handle`);
		if (!PATTERN_TAG_PREFIX.test(prefix)) throwError(state, "ill-formed tag prefix (second argument) of the TAG directive");
		state.tagHandlers[handle] = prefix;
		state.directives.push({
			kind: "tag",
			handle,
			prefix
		});
	}
	return true;
}
function readDocument(state) {
	state.directives = [];
	state.tagHandlers = Object.create(null);
	let hasDirectives = false;
	skipSeparationSpace(state, true);
	while (readDirective(state)) {
		hasDirectives = true;
		skipSeparationSpace(state, true);
	}
	let explicitStart = false;
	let explicitEnd = false;
	let allowCompact = true;
	if (state.lineIndent === 0 && state.input.charCodeAt(state.position) === 45 && state.input.charCodeAt(state.position + 1) === 45 && state.input.charCodeAt(state.position + 2) === 45 && isWsOrEolOrEnd(state.input.charCodeAt(state.position + 3))) {
		explicitStart = true;
		const markerLine = state.line;
		state.position += 3;
		skipSeparationSpace(state, true);
		allowCompact = state.line > markerLine;
	} else if (hasDirectives) throwError(state, "directives end mark is expected");
	const documentEventIndex = state.events.length;
	if (!explicitStart && state.position === state.lineStart && state.input.charCodeAt(state.position) === 46 && testDocumentSeparator(state)) {
		state.position += 3;
		skipSeparationSpace(state, true);
		return;
	}
	addDocumentEvent(state, explicitStart, false);
	if (!parseNode(state, state.lineIndent - 1, CONTEXT_BLOCK_OUT, false, allowCompact, allowCompact)) addEmptyScalarEvent(state);
	skipSeparationSpace(state, true);
	if (state.position === state.lineStart && testDocumentSeparator(state)) {
		explicitEnd = state.input.charCodeAt(state.position) === 46;
		if (explicitEnd) {
			const markerLine = state.line;
			state.position += 3;
			skipSeparationSpace(state, true);
			if (state.line === markerLine && state.position < state.length) throwError(state, "end of the stream or a document separator is expected");
		}
	}
	const documentEvent = state.events[documentEventIndex];
	if (documentEvent?.type === EVENT_ID.DOCUMENT) documentEvent.explicitEnd = explicitEnd;
	addPopEvent(state);
	if (!explicitEnd && state.position < state.length && !testDocumentBoundary(state)) throwError(state, "end of the stream or a document separator is expected");
}
/**
* Parses YAML into a flat event stream referencing source text by offsets.
*
* @category Events
*/
function parseEvents(input, options) {
	const length = input.length;
	const state = {
		...DEFAULT_PARSER_OPTIONS,
		...options,
		input: `${input}\0`,
		length,
		position: 0,
		line: 0,
		lineStart: 0,
		lineIndent: 0,
		firstTabInLine: -1,
		depth: 0,
		directives: [],
		tagHandlers: Object.create(null),
		events: []
	};
	const nullpos = input.indexOf("\0");
	if (nullpos !== -1) YAMLException.throwAt(input, nullpos, "null byte is not allowed in input", state.filename);
	while (state.position < state.length) {
		skipByteOrderMark(state);
		skipSeparationSpace(state, true);
		if (state.position >= state.length) break;
		const documentStart = state.position;
		readDocument(state);
		if (state.position === documentStart)
 /* c8 ignore next */
		throwError(state, "can not read a document");
	}
	return state.events;
}
//#endregion
//#region src/load.ts
var DEFAULT_LOAD_OPTIONS = {
	...DEFAULT_PARSER_OPTIONS,
	...DEFAULT_CONSTRUCTOR_OPTIONS
};
function loadDocuments(input, options = {}) {
	const opts = {
		...DEFAULT_LOAD_OPTIONS,
		...options
	};
	const source = String(input);
	const PARSER_OPT_KEYS = Object.keys(DEFAULT_PARSER_OPTIONS);
	const CONSTRUCTOR_OPT_KEYS = Object.keys(DEFAULT_CONSTRUCTOR_OPTIONS);
	return constructFromEvents(parseEvents(source, pick(opts, PARSER_OPT_KEYS)), {
		...pick(opts, CONSTRUCTOR_OPT_KEYS),
		source
	});
}
function loadAll(input, iteratorOrOptions, options) {
	let iterator = null;
	if (typeof iteratorOrOptions === "function") iterator = iteratorOrOptions;
	else if (iteratorOrOptions !== null && typeof iteratorOrOptions === "object") options = iteratorOrOptions;
	const documents = loadDocuments(input, options);
	if (iterator === null) return documents;
	for (const document of documents) iterator(document);
}
/**
* Parses `string` as a single YAML document. Throws {@link YAMLException} on
* error. This function does not understand multi-document or empty sources; it
* throws an exception on those.
*
* > [!NOTE]
* > 1. When processing untrusted input, see the
* >    [security considerations](../docs/safety.md).
* > 2. All exceptions MUST be caught, not just {@link YAMLException}.
* > 3. The default {@link CORE_SCHEMA} comes without the `!!merge` tag. You can
* >    easily enable it if needed.
* > 4. The default {@link mapTag} is `{}`-object based, with known limitations
* >    (see description). For full compatibility use {@link realMapTag}
* >    instead (it uses native JS `Map`).
*
* @example
* Enable {@link mergeTag} and {@link realMapTag}:
*
* ```javascript
* import { load, CORE_SCHEMA, mergeTag, realMapTag } from 'js-yaml'
*
* try {
*   load(data, { schema: CORE_SCHEMA.withTags(mergeTag, realMapTag) })
* } catch (e) {
*   console.error(e)
* }
* ```
*
* @category Main
*/
function load(input, options) {
	const documents = loadDocuments(input, options);
	if (documents.length === 0) throw new YAMLException("expected a document, but the input is empty");
	if (documents.length === 1) return documents[0];
	throw new YAMLException("expected a single document in the stream, but found more");
}
//#endregion
//#region src/ast/from_js.ts
var INVALID = Symbol("INVALID");
function buildRepresentTypes(schema) {
	const defaultTags = new Set([
		schema.defaultScalarTag,
		schema.defaultSequenceTag,
		schema.defaultMappingTag
	].filter((t) => t !== void 0));
	const implicitScalars = schema.implicitScalarTags;
	const explicitTags = schema.tags.filter((t) => !(t.nodeKind === "scalar" && t.implicit) && !defaultTags.has(t));
	const defaultTagsLast = schema.tags.filter((t) => defaultTags.has(t));
	return [
		...implicitScalars.map((tag) => ({
			tag,
			implicitTag: true
		})),
		...explicitTags.map((tag) => ({
			tag,
			implicitTag: false
		})),
		...defaultTagsLast.map((tag) => ({
			tag,
			implicitTag: true
		}))
	];
}
function matchTag(state, object) {
	for (let index = 0, length = state.representTypes.length; index < length; index += 1) {
		const { tag, implicitTag } = state.representTypes[index];
		if (tag.identify(object)) {
			let tagName;
			if (tag.matchByTagPrefix) tagName = tag.representTagName(object);
			else tagName = tag.tagName;
			return {
				tag,
				tagName,
				implicitTag
			};
		}
	}
	return null;
}
function build(state, object) {
	if (!state.noRefs && object !== null && typeof object === "object") {
		const existing = state.refs.get(object);
		if (existing) {
			if (existing.anchor === void 0) existing.anchor = `ref_${state.refCounter++}`;
			return {
				kind: "alias",
				anchor: existing.anchor
			};
		}
	}
	const matched = matchTag(state, object);
	if (!matched) {
		if (object === void 0) return INVALID;
		if (state.skipInvalid) return INVALID;
		throw new YAMLException(`unacceptable kind of an object to dump ${Object.prototype.toString.call(object)}`);
	}
	const { tag, tagName, implicitTag } = matched;
	const nodeTagName = implicitTag ? tagName : tagNameShort(tagName);
	if (tag.nodeKind === "scalar") return {
		kind: "scalar",
		tag: nodeTagName,
		tagged: !implicitTag,
		style: SCALAR_STYLE.PLAIN,
		value: tag.represent(object)
	};
	if (tag.nodeKind === "sequence") {
		const container = tag.represent(object);
		const node = {
			kind: "sequence",
			tag: nodeTagName,
			tagged: !implicitTag,
			style: COLLECTION_STYLE.BLOCK,
			items: []
		};
		if (!state.noRefs) state.refs.set(object, node);
		for (let index = 0, length = container.length; index < length; index += 1) {
			let item = build(state, container[index]);
			if (item === INVALID && container[index] === void 0) item = build(state, null);
			if (item === INVALID) continue;
			node.items.push(item);
		}
		return node;
	}
	const map = tag.represent(object);
	const node = {
		kind: "mapping",
		tag: nodeTagName,
		tagged: !implicitTag,
		style: COLLECTION_STYLE.BLOCK,
		items: []
	};
	if (!state.noRefs) state.refs.set(object, node);
	for (const [objectKey, objectValue] of map) {
		const key = build(state, objectKey);
		if (key === INVALID) continue;
		const value = build(state, objectValue);
		if (value === INVALID) continue;
		node.items.push({
			key,
			value
		});
	}
	return node;
}
/**
* Convert JS object to AST. A JS value is one YAML document. An unrepresentable
* root becomes an empty document, which the presenter renders as an empty
* string.
*
* @category AST
*/
function jsToAst(input, schema, options = {}) {
	const root = build({
		representTypes: buildRepresentTypes(schema),
		noRefs: options.noRefs ?? false,
		skipInvalid: options.skipInvalid ?? false,
		refs: /* @__PURE__ */ new Map(),
		refCounter: 0
	}, input);
	return [{
		contents: root === INVALID ? null : root,
		directives: []
	}];
}
//#endregion
//#region src/ast/visit.ts
/**
* Return from a visitor to stop the whole traversal.
*
* @category AST
*/
var VISIT_BREAK = Symbol("visit:break");
/**
* Return from a visitor to skip the current node's children.
*
* @category AST
*/
var VISIT_SKIP = Symbol("visit:skip");
function visitNode(node, visitor, ctx) {
	const control = visitor(node, ctx);
	if (control === VISIT_BREAK) return true;
	if (control === VISIT_SKIP) return false;
	const depth = ctx.depth + 1;
	switch (node.kind) {
		case "sequence":
			for (const item of node.items) if (visitNode(item, visitor, {
				depth,
				parent: node,
				isKey: false
			})) return true;
			break;
		case "mapping": for (const { key, value } of node.items) {
			if (visitNode(key, visitor, {
				depth,
				parent: node,
				isKey: true
			})) return true;
			if (visitNode(value, visitor, {
				depth,
				parent: node,
				isKey: false
			})) return true;
		}
	}
	return false;
}
/**
* Walk every node in the documents, calling {@link Visitor} once per
* node (pre-order).
*
* @category AST
*/
function visit(documents, visitor) {
	for (const doc of documents) if (doc.contents && visitNode(doc.contents, visitor, {
		depth: 0,
		parent: null,
		isKey: false
	})) return;
}
//#endregion
//#region src/ast/styler_defaults.ts
function hasBit(mask, bit) {
	return (mask & 1 << bit) !== 0;
}
/**
* Default scalar styling rules in application order.
* See [Scalar styling](../../docs/scalar_styling.md) for usage details.
*
* @category AST
*/
var DEFAULT_SCALAR_STYLE_RULES = {
	applyQuoteFlowKeysOption,
	doubleQuoteForInvisibles,
	doubleQuoteWhitespaceOnly,
	applyForceQuotesOption,
	tryLongOrMultilineAsBlock,
	quoteInvalidPlain,
	fallbackToDoubleQuoted
};
function _preferredQuotedStyle(layout) {
	if (layout.presenterOptions.quoteStyle === "single" && hasBit(layout.allowedStylesMask, SCALAR_STYLE.SINGLE_QUOTED)) return SCALAR_STYLE.SINGLE_QUOTED;
	return SCALAR_STYLE.DOUBLE_QUOTED;
}
function applyQuoteFlowKeysOption(layout) {
	if (!layout.presenterOptions.quoteFlowKeys) return;
	if (!layout.isKey || !layout.flowOnly || layout.style !== SCALAR_STYLE.PLAIN) return;
	layout.style = SCALAR_STYLE.DOUBLE_QUOTED;
}
function doubleQuoteForInvisibles(layout) {
	if (layout.style === SCALAR_STYLE.PLAIN && /[\t\x7F-\xA0\u2028\u2029\uFEFF\uFFFE\uFFFF]/.test(layout.node.value)) layout.style = SCALAR_STYLE.DOUBLE_QUOTED;
}
function doubleQuoteWhitespaceOnly(layout) {
	if (layout.style === SCALAR_STYLE.PLAIN && /^\s+$/.test(layout.node.value)) layout.style = SCALAR_STYLE.DOUBLE_QUOTED;
}
function applyForceQuotesOption(layout) {
	if (!layout.presenterOptions.forceQuotes) return;
	if (layout.isKey || layout.style !== SCALAR_STYLE.PLAIN) return;
	if (layout.node.tag !== layout.presenterOptions.schema.defaultScalarTag.tagName) return;
	layout.style = layout.node.value.includes("\n") ? SCALAR_STYLE.DOUBLE_QUOTED : _preferredQuotedStyle(layout);
}
function tryLongOrMultilineAsBlock(layout) {
	if (layout.style !== SCALAR_STYLE.PLAIN || layout.isKey) return;
	const value = layout.node.value;
	const multiline = value.indexOf("\n") !== -1;
	if (!hasBit(layout.allowedStylesMask, SCALAR_STYLE.LITERAL_BLOCK)) {
		if (multiline) layout.style = SCALAR_STYLE.DOUBLE_QUOTED;
		return;
	}
	const w = layout.presenterOptions.lineWidth;
	if (w === -1) {
		if (multiline) layout.style = SCALAR_STYLE.LITERAL_BLOCK;
		return;
	}
	const availableWidth = Math.max(Math.min(w, 40), w - layout.shiftOfContent);
	let position = 0;
	let shouldFold = false;
	while (position <= value.length) {
		let lineEnd = value.length;
		const nextLineBreak = value.indexOf("\n", position);
		if (nextLineBreak !== -1) lineEnd = nextLineBreak;
		const line = value.slice(position, lineEnd);
		if (line.length > availableWidth && line[0] !== " " && / [^ \t]/.test(line)) shouldFold = true;
		if (nextLineBreak === -1) break;
		position = nextLineBreak + 1;
	}
	if (shouldFold) layout.style = SCALAR_STYLE.FOLDED_BLOCK;
	else if (multiline) layout.style = SCALAR_STYLE.LITERAL_BLOCK;
}
function quoteInvalidPlain(layout) {
	if (layout.style === SCALAR_STYLE.PLAIN && !hasBit(layout.allowedStylesMask, SCALAR_STYLE.PLAIN)) layout.style = _preferredQuotedStyle(layout);
}
function fallbackToDoubleQuoted(layout) {
	if (!hasBit(layout.allowedStylesMask, layout.style)) layout.style = SCALAR_STYLE.DOUBLE_QUOTED;
}
//#endregion
//#region src/ast/scalar_styler.ts
function setBit(mask, bit) {
	return mask | 1 << bit;
}
var SRC_C_PRINTABLE = "[\\x09\\x0A\\x0D\\x20-\\x7E\\x85\\xA0-\\uD7FF\\uE000-\\uFFFD\\u{10000}-\\u{10FFFF}]";
var SRC_B_CHAR = "[\\n\\r]";
var SRC_C_BYTE_ORDER_MARK = "\\uFEFF";
var SRC_S_WHITE = "[ \\t]";
var SRC_NB_CHAR = `(?:(?!(?:${SRC_B_CHAR}|${SRC_C_BYTE_ORDER_MARK}))${SRC_C_PRINTABLE})`;
var SRC_NS_CHAR = `(?:(?!${SRC_S_WHITE})${SRC_NB_CHAR})`;
var SRC_NB_JSON = "[\\x09\\x20-\\uD7FF\\uE000-\\uFFFF\\u{10000}-\\u{10FFFF}]";
var SRC_C_INDICATOR = "[-?:,\\[\\]{}#&*!|>'\"%@`]";
var SRC_C_FLOW_INDICATOR = "[,\\[\\]{}]";
var SRC_NS_PLAIN_SAFE_FLOW_OUT = SRC_NS_CHAR;
var SRC_NS_PLAIN_SAFE_FLOW_IN = `(?:(?!${SRC_C_FLOW_INDICATOR})${SRC_NS_CHAR})`;
var SRC_NS_PLAIN_FIRST_FLOW_OUT = `(?:(?:(?!${SRC_C_INDICATOR})${SRC_NS_CHAR})|[?:-](?=${SRC_NS_PLAIN_SAFE_FLOW_OUT}))`;
var SRC_NS_PLAIN_FIRST_FLOW_IN = `(?:(?:(?!${SRC_C_INDICATOR})${SRC_NS_CHAR})|[?:-](?=${SRC_NS_PLAIN_SAFE_FLOW_IN}))`;
var SRC_NS_PLAIN_CHAR_FLOW_OUT = `(?:(?:(?![:#])${SRC_NS_PLAIN_SAFE_FLOW_OUT})|:(?=${SRC_NS_PLAIN_SAFE_FLOW_OUT}))#*`;
var SRC_NS_PLAIN_CHAR_FLOW_IN = `(?:(?:(?![:#])${SRC_NS_PLAIN_SAFE_FLOW_IN})|:(?=${SRC_NS_PLAIN_SAFE_FLOW_IN}))#*`;
var SRC_NB_NS_PLAIN_IN_LINE_FLOW_OUT = `(?:${SRC_S_WHITE}*${SRC_NS_PLAIN_CHAR_FLOW_OUT})*`;
var SRC_NB_NS_PLAIN_IN_LINE_FLOW_IN = `(?:${SRC_S_WHITE}*${SRC_NS_PLAIN_CHAR_FLOW_IN})*`;
var SRC_NS_PLAIN_ONE_LINE_FLOW_OUT = `${SRC_NS_PLAIN_FIRST_FLOW_OUT}#*${SRC_NB_NS_PLAIN_IN_LINE_FLOW_OUT}`;
var SRC_NS_PLAIN_ONE_LINE_FLOW_IN = `${SRC_NS_PLAIN_FIRST_FLOW_IN}#*${SRC_NB_NS_PLAIN_IN_LINE_FLOW_IN}`;
var SRC_NS_PLAIN_ONE_LINE_BLOCK_KEY = SRC_NS_PLAIN_ONE_LINE_FLOW_OUT;
var SRC_NS_PLAIN_ONE_LINE_FLOW_KEY = SRC_NS_PLAIN_ONE_LINE_FLOW_IN;
var SRC_S_NS_PLAIN_NEXT_LINE_FLOW_OUT = `\\n+${SRC_NS_PLAIN_CHAR_FLOW_OUT}${SRC_NB_NS_PLAIN_IN_LINE_FLOW_OUT}`;
var SRC_S_NS_PLAIN_NEXT_LINE_FLOW_IN = `\\n+${SRC_NS_PLAIN_CHAR_FLOW_IN}${SRC_NB_NS_PLAIN_IN_LINE_FLOW_IN}`;
var SRC_NS_PLAIN_MULTI_LINE_FLOW_OUT = `${SRC_NS_PLAIN_ONE_LINE_FLOW_OUT}(?:${SRC_S_NS_PLAIN_NEXT_LINE_FLOW_OUT})*`;
var SRC_NS_PLAIN_MULTI_LINE_FLOW_IN = `${SRC_NS_PLAIN_ONE_LINE_FLOW_IN}(?:${SRC_S_NS_PLAIN_NEXT_LINE_FLOW_IN})*`;
var NS_PLAIN_FLOW_OUT = new RegExp(`^(?:${SRC_NS_PLAIN_MULTI_LINE_FLOW_OUT})$`, "u");
var NS_PLAIN_FLOW_IN = new RegExp(`^(?:${SRC_NS_PLAIN_MULTI_LINE_FLOW_IN})$`, "u");
var NS_PLAIN_BLOCK_KEY = new RegExp(`^(?:${SRC_NS_PLAIN_ONE_LINE_BLOCK_KEY})$`, "u");
var NS_PLAIN_FLOW_KEY = new RegExp(`^(?:${SRC_NS_PLAIN_ONE_LINE_FLOW_KEY})$`, "u");
var NB_SINGLE_ONE_LINE = new RegExp(`^(?:${SRC_NB_JSON})*$`, "u");
var NB_SINGLE_MULTI_LINE = new RegExp(`^(?:${SRC_NB_JSON}|\\n)*$`, "u");
var BLOCK_SCALAR_CONTENT = new RegExp(`^(?:${SRC_NB_CHAR}|\\n)*$`, "u");
var C_FORBIDDEN_FIRST_LINE = /^(?:---|\.\.\.)(?=$|[ \t\n\r])/;
var C_FORBIDDEN_CONTENT = /^(?:---|\.\.\.)(?=$|[ \t\n\r])/m;
function canUsePlain(layout) {
	const str = layout.node.value;
	if (str !== "") {
		if (!(layout.isKey ? layout.flowOnly ? NS_PLAIN_FLOW_KEY : NS_PLAIN_BLOCK_KEY : layout.flowOnly ? NS_PLAIN_FLOW_IN : NS_PLAIN_FLOW_OUT).test(str)) return false;
		if (layout.shiftOfFirstLine === 0 && C_FORBIDDEN_FIRST_LINE.test(str)) return false;
		if (layout.shiftOfContent === 0) {
			const firstLineBreak = str.indexOf("\n");
			if (firstLineBreak !== -1) {
				const content = str.slice(firstLineBreak + 1);
				if (C_FORBIDDEN_CONTENT.test(content)) return false;
			}
		}
	}
	const resolvedTag = layout.presenterOptions.schema.resolveImplicitScalarTag(str).tag.tagName;
	if (!layout.node.tagged && resolvedTag !== layout.node.tag) return false;
	if (!layout.node.tagged && str === "=" && resolvedTag === layout.presenterOptions.schema.defaultScalarTag.tagName) return false;
	return true;
}
function canUseSingleQuoted(layout) {
	const str = layout.node.value;
	if (!(layout.isKey ? NB_SINGLE_ONE_LINE : NB_SINGLE_MULTI_LINE).test(str)) return false;
	if (/[ \t]\n|\n[ \t]/.test(str)) return false;
	if (!layout.isKey && layout.shiftOfContent === 0) {
		const firstLineBreak = str.indexOf("\n");
		if (firstLineBreak !== -1 && C_FORBIDDEN_CONTENT.test(str.slice(firstLineBreak + 1))) return false;
	}
	return true;
}
function canUseBlock(layout) {
	if (layout.flowOnly || !BLOCK_SCALAR_CONTENT.test(layout.node.value)) return false;
	const contentIndent = layout.shiftOfContent - layout.shiftOfParent;
	if (contentIndent < 1) return false;
	if (contentIndent > 9 && /^\n* /.test(layout.node.value)) return false;
	if (layout.shiftOfContent === 0 && C_FORBIDDEN_CONTENT.test(layout.node.value)) return false;
	return true;
}
function detectAllowedStyles(layout) {
	let mask = setBit(0, SCALAR_STYLE.DOUBLE_QUOTED);
	if (canUsePlain(layout)) mask = setBit(mask, SCALAR_STYLE.PLAIN);
	if (canUseSingleQuoted(layout)) mask = setBit(mask, SCALAR_STYLE.SINGLE_QUOTED);
	if (canUseBlock(layout)) mask = setBit(setBit(mask, SCALAR_STYLE.LITERAL_BLOCK), SCALAR_STYLE.FOLDED_BLOCK);
	layout.allowedStylesMask = mask;
}
function renderScalar(layout) {
	switch (layout.style) {
		case SCALAR_STYLE.PLAIN: return renderPlain(layout);
		case SCALAR_STYLE.SINGLE_QUOTED: return renderSingleQuoted(layout);
		case SCALAR_STYLE.LITERAL_BLOCK: return renderLiteralBlock(layout);
		case SCALAR_STYLE.FOLDED_BLOCK: return renderFoldedBlock(layout);
		case SCALAR_STYLE.DOUBLE_QUOTED: return renderDoubleQuoted(layout);
	}
}
function renderPlain(layout) {
	return encodeFlowBreaks(layout.node.value, layout.shiftOfContent);
}
function renderSingleQuoted(layout) {
	return `'${encodeFlowBreaks(layout.node.value, layout.shiftOfContent).replace(/'/g, "''")}'`;
}
function renderLiteralBlock(layout) {
	const value = layout.node.value;
	return "|" + blockHeader(value, layout.shiftOfParent, layout.shiftOfContent) + dropEndingNewline(indentString(value, layout.shiftOfContent));
}
function renderFoldedBlock(layout) {
	const value = layout.node.value;
	const w = layout.presenterOptions.lineWidth;
	let availableWidth = Infinity;
	if (w !== -1) availableWidth = Math.max(Math.min(w, 40), w - layout.shiftOfContent);
	return ">" + blockHeader(value, layout.shiftOfParent, layout.shiftOfContent) + dropEndingNewline(indentString(foldBlockScalar(value, availableWidth), layout.shiftOfContent));
}
function renderDoubleQuoted(layout) {
	return `"${escapeString(layout.node.value)}"`;
}
function encodeFlowBreaks(string, shiftOfContent) {
	let nextLF = string.indexOf("\n");
	if (nextLF === -1) return string;
	const pad = " ".repeat(shiftOfContent);
	let result = string.slice(0, nextLF);
	const lineRe = /(\n+)([^\n]*)/g;
	lineRe.lastIndex = nextLF;
	let match;
	while (match = lineRe.exec(string)) {
		const breaks = match[1].length;
		const line = match[2];
		result += "\n".repeat(breaks + 1) + pad + line;
	}
	return result;
}
function indentString(string, spaces) {
	const indent = " ".repeat(spaces);
	let position = 0;
	let result = "";
	const length = string.length;
	while (position < length) {
		let line;
		const next = string.indexOf("\n", position);
		if (next === -1) {
			line = string.slice(position);
			position = length;
		} else {
			line = string.slice(position, next + 1);
			position = next + 1;
		}
		if (line.length && line !== "\n") result += indent;
		result += line;
	}
	return result;
}
function needIndentIndicator(string) {
	return /^\n* /.test(string);
}
function blockHeader(string, shiftOfParent, shiftOfContent) {
	const indentIndicator = needIndentIndicator(string) ? String(shiftOfContent - shiftOfParent) : "";
	const clip = string[string.length - 1] === "\n";
	return `${indentIndicator}${clip && (string[string.length - 2] === "\n" || string === "\n") ? "+" : clip ? "" : "-"}\n`;
}
function dropEndingNewline(string) {
	return string[string.length - 1] === "\n" ? string.slice(0, -1) : string;
}
function isMoreIndented(char) {
	return char === " " || char === "	";
}
function foldLine(line, width) {
	if (line === "" || isMoreIndented(line[0])) return line;
	const breakRe = / [^ \t]/g;
	let match;
	let start = 0;
	let end;
	let curr = 0;
	let next = 0;
	let result = "";
	while (match = breakRe.exec(line)) {
		next = match.index;
		if (next - start > width) {
			end = curr > start ? curr : next;
			result += `\n${line.slice(start, end)}`;
			start = end + 1;
		}
		curr = next;
	}
	result += "\n";
	if (line.length - start > width && curr > start) result += `${line.slice(start, curr)}\n${line.slice(curr + 1)}`;
	else result += line.slice(start);
	return result.slice(1);
}
function foldBlockScalar(string, width) {
	const lineRe = /(\n+)([^\n]*)/g;
	let nextLF = string.indexOf("\n");
	if (nextLF === -1) nextLF = string.length;
	lineRe.lastIndex = nextLF;
	let result = foldLine(string.slice(0, nextLF), width);
	let prevMoreIndented = string[0] === "\n" || isMoreIndented(string[0]);
	let moreIndented;
	let match;
	while (match = lineRe.exec(string)) {
		const prefix = match[1];
		const line = match[2];
		moreIndented = line !== "" && isMoreIndented(line[0]);
		result += prefix + (!prevMoreIndented && !moreIndented && line !== "" ? "\n" : "") + foldLine(line, width);
		prevMoreIndented = moreIndented;
	}
	return result;
}
var CHARACTERS_TO_ESCAPE = /["\\\x00-\x1F\x7F-\xA0\u2028\u2029\uD800-\uDFFF\uFEFF\uFFFE\uFFFF]/gu;
function escapeCharacter(character) {
	switch (character) {
		case "\0": return "\\0";
		case "\x07": return "\\a";
		case "\b": return "\\b";
		case "	": return "\\t";
		case "\n": return "\\n";
		case "\v": return "\\v";
		case "\f": return "\\f";
		case "\r": return "\\r";
		case "\x1B": return "\\e";
		case "\"": return "\\\"";
		case "\\": return "\\\\";
		case "": return "\\N";
		case "\xA0": return "\\_";
		case "\u2028": return "\\L";
		case "\u2029": return "\\P";
	}
	const code = character.charCodeAt(0);
	const hex = code.toString(16).toUpperCase();
	if (code <= 255) return `\\x${"0".repeat(2 - hex.length)}${hex}`;
	return `\\u${"0".repeat(4 - hex.length)}${hex}`;
}
function escapeString(string) {
	return string.replace(CHARACTERS_TO_ESCAPE, escapeCharacter);
}
//#endregion
//#region src/ast/presenter.ts
var CHAR_LINE_FEED = 10;
var DEFAULT_PRESENTER_OPTIONS = {
	indent: 2,
	seqNoIndent: false,
	seqInlineFirst: true,
	lineWidth: 80,
	flowBracketPadding: false,
	flowSkipCommaSpace: false,
	flowSkipColonSpace: false,
	quoteFlowKeys: false,
	quoteStyle: "single",
	forceQuotes: false,
	scalarStyleRules: Object.keys(DEFAULT_SCALAR_STYLE_RULES).map((name) => Reflect.get(DEFAULT_SCALAR_STYLE_RULES, name)),
	tagBeforeAnchor: false
};
function nodeTagShort(node) {
	return node.tagged ? node.tag : tagNameShort(node.tag);
}
function createPresenterState(options) {
	const opts = {
		...DEFAULT_PRESENTER_OPTIONS,
		...options
	};
	if (opts.flowSkipColonSpace) opts.quoteFlowKeys = true;
	return {
		...opts,
		defaultScalarTagName: opts.schema.defaultScalarTag.tagName,
		openEnded: false
	};
}
function generateNextLine(state, level) {
	return `\n${" ".repeat(state.indent * level)}`;
}
function scalarLayout(state, node, parent, level, isKey, flowOnly) {
	return {
		node,
		parent,
		level,
		isKey,
		flowOnly,
		shiftOfParent: level === 0 ? -1 : state.indent * (level - 1),
		shiftOfContent: state.indent * Math.max(1, level),
		shiftOfFirstLine: level === 0 ? 0 : state.indent * level,
		presenterOptions: state,
		allowedStylesMask: 0,
		style: node.style
	};
}
function writeFlowSequence(state, level, node) {
	let result = "";
	for (let index = 0, length = node.items.length; index < length; index += 1) {
		const item = writeNode(state, level, node.items[index], node, {}).text;
		if (index > 0) result += `,${!state.flowSkipCommaSpace ? " " : ""}`;
		result += item;
	}
	const pad = state.flowBracketPadding && node.items.length > 0 ? " " : "";
	return `[${pad}${result}${pad}]`;
}
function writeBlockSequence(state, level, node, compact) {
	let result = "";
	for (let index = 0, length = node.items.length; index < length; index += 1) {
		const item = writeNode(state, level + 1, node.items[index], node, {
			block: true,
			compact: state.seqInlineFirst,
			isblockseq: true
		}).text;
		if (!compact || result !== "") result += generateNextLine(state, level);
		if (item === "" || CHAR_LINE_FEED === item.charCodeAt(0)) result += "-";
		else result += "- ";
		result += item;
	}
	return result;
}
function writeFlowMapping(state, level, node) {
	let result = "";
	for (const { key, value } of node.items) {
		let pairBuffer = "";
		if (result !== "") pairBuffer += `,${!state.flowSkipCommaSpace ? " " : ""}`;
		const keyRender = writeNode(state, level, key, node, { iskey: true });
		const keyText = keyRender.text;
		const valueText = writeNode(state, level, value, node, {}).text;
		const sep = state.flowSkipColonSpace || valueText === "" ? "" : " ";
		const keyIsBareProps = key.kind === "scalar" && keyRender.noBody && (key.tagged || key.anchor !== void 0);
		const keyColonSep = key.kind === "alias" || keyIsBareProps ? " " : "";
		pairBuffer += `${keyText}${keyColonSep}:${sep}${valueText}`;
		result += pairBuffer;
	}
	const pad = state.flowBracketPadding && result !== "" ? " " : "";
	return `{${pad}${result}${pad}}`;
}
function writeBlockMapping(state, level, node, compact) {
	let result = "";
	for (let index = 0, length = node.items.length; index < length; index += 1) {
		let pairBuffer = "";
		if (!compact || result !== "") pairBuffer += generateNextLine(state, level);
		const { key, value } = node.items[index];
		const keyIsBlock = (key.kind === "mapping" || key.kind === "sequence") && key.style === COLLECTION_STYLE.BLOCK && key.items.length !== 0 || key.kind === "scalar" && (key.style === SCALAR_STYLE.LITERAL_BLOCK || key.style === SCALAR_STYLE.FOLDED_BLOCK);
		const keyRender = keyIsBlock ? writeNode(state, level + 1, key, node, {
			block: true,
			compact: true,
			isblockseq: !cannotBeCompact(state, key, level + 1)
		}) : writeNode(state, level + 1, key, node, {
			block: true,
			compact: true,
			iskey: true
		});
		const keyText = keyRender.text;
		const keyHasLineBreak = key.kind === "scalar" && key.value.indexOf("\n") !== -1;
		const keyIsTooLong = keyText.length > 1024 && /^[\s\S]{1025}/u.test(keyText);
		const explicitPair = keyIsBlock || keyHasLineBreak || keyIsTooLong;
		if (explicitPair) {
			if (keyText && CHAR_LINE_FEED === keyText.charCodeAt(0)) pairBuffer += "?";
			else pairBuffer += "? ";
		}
		pairBuffer += keyText;
		if (explicitPair) pairBuffer += generateNextLine(state, level);
		const valueText = writeNode(state, level + 1, value, node, {
			block: true,
			compact: explicitPair,
			isblockseq: explicitPair && !cannotBeCompact(state, value, level + 1)
		}).text;
		const keyIsBareProps = key.kind === "scalar" && keyRender.noBody && (key.tagged || key.anchor !== void 0);
		const keyColonSep = !explicitPair && (key.kind === "alias" || keyIsBareProps) ? " " : "";
		if (valueText === "" || CHAR_LINE_FEED === valueText.charCodeAt(0)) pairBuffer += `${keyColonSep}:`;
		else pairBuffer += `${keyColonSep}: `;
		pairBuffer += valueText;
		result += pairBuffer;
	}
	return result;
}
function cannotBeCompact(state, node, level) {
	if (node.kind === "alias") return true;
	return node.tagged || node.anchor !== void 0 || state.indent < 2 && level > 0;
}
function writeNode(state, level, node, parent, ctx) {
	if (node.kind === "alias") {
		state.openEnded = false;
		return {
			text: `*${node.anchor}`,
			noBody: false
		};
	}
	const { block = false, iskey = false, isblockseq = false } = ctx;
	let compact = ctx.compact ?? false;
	const hasAnchor = node.anchor !== void 0;
	if (cannotBeCompact(state, node, level)) compact = false;
	let body;
	let shouldPrintTag = node.tagged;
	const useBlockCollection = block && (node.kind === "mapping" || node.kind === "sequence") && node.style === COLLECTION_STYLE.BLOCK && node.items.length !== 0;
	if (node.kind === "mapping") {
		if (useBlockCollection) body = writeBlockMapping(state, level, node, compact);
		else body = writeFlowMapping(state, level, node);
	} else if (node.kind === "sequence") {
		if (useBlockCollection) {
			if (state.seqNoIndent && !isblockseq && level > 0) body = writeBlockSequence(state, level - 1, node, compact);
			else body = writeBlockSequence(state, level, node, compact);
		} else body = writeFlowSequence(state, level, node);
	} else {
		const layout = scalarLayout(state, node, parent, level, iskey, !block);
		detectAllowedStyles(layout);
		for (const rule of state.scalarStyleRules) rule(layout);
		body = renderScalar(layout);
		state.openEnded = (layout.style === SCALAR_STYLE.LITERAL_BLOCK || layout.style === SCALAR_STYLE.FOLDED_BLOCK) && (node.value === "\n" || node.value.endsWith("\n\n"));
		shouldPrintTag = node.tagged || body === "" && layout.flowOnly && parent?.kind === "sequence" && !hasAnchor || layout.style !== SCALAR_STYLE.PLAIN && node.tag !== state.defaultScalarTagName;
	}
	if ((node.kind === "mapping" || node.kind === "sequence") && !useBlockCollection) state.openEnded = false;
	if (useBlockCollection && compact && level > 0 && state.indent > 2) body = `${" ".repeat(state.indent - 2)}${body}`;
	const noBody = body === "";
	let text = body;
	if (shouldPrintTag || hasAnchor) {
		const props = [];
		const tag = shouldPrintTag ? nodeTagShort(node) : null;
		const anchor = hasAnchor ? `&${node.anchor}` : null;
		if (state.tagBeforeAnchor) {
			if (tag !== null) props.push(tag);
			if (anchor !== null) props.push(anchor);
		} else {
			if (anchor !== null) props.push(anchor);
			if (tag !== null) props.push(tag);
		}
		const sep = body === "" || body.charCodeAt(0) === CHAR_LINE_FEED ? "" : " ";
		text = `${props.join(" ")}${sep}${body}`;
	}
	return {
		text,
		noBody
	};
}
function rootStartsOwnLine(node) {
	return (node.kind === "sequence" || node.kind === "mapping") && node.style === COLLECTION_STYLE.BLOCK && node.items.length !== 0 && !node.tagged && node.anchor === void 0;
}
function writeDocumentDirectives(doc) {
	let result = "";
	for (const directive of doc.directives) {
		if (directive.kind === "yaml") {
			result += `%YAML ${directive.version}\n`;
			continue;
		}
		const { handle, prefix } = directive;
		result += `%TAG ${handle} ${prefix}\n`;
	}
	return result;
}
/**
* Build YAML from AST.
*
* @category AST
*/
function present(documents, options) {
	const state = createPresenterState(options);
	let result = "";
	let previousEnded = false;
	for (let index = 0; index < documents.length; index += 1) {
		const doc = documents[index];
		state.openEnded = false;
		const directives = writeDocumentDirectives(doc);
		const hasDirectives = directives !== "";
		const marker = doc.explicitStart || hasDirectives || index > 0 && !previousEnded;
		result += directives;
		if (doc.contents === null) {
			if (marker) result += "---\n";
		} else if (marker) {
			const body = writeNode(state, 0, doc.contents, null, {
				block: true,
				compact: true
			}).text;
			const sep = body === "" ? "" : hasDirectives || rootStartsOwnLine(doc.contents) ? "\n" : " ";
			result += `---${sep}${body}\n`;
		} else result += writeNode(state, 0, doc.contents, null, {
			block: true,
			compact: true
		}).text + "\n";
		previousEnded = doc.explicitEnd || state.openEnded;
		if (previousEnded) result += "...\n";
	}
	return result;
}
//#endregion
//#region src/dump.ts
var DEFAULT_DUMP_OPTIONS = {
	...DEFAULT_PRESENTER_OPTIONS,
	schema: DUMP_SCHEMA,
	skipInvalid: false,
	noRefs: false,
	flowLevel: -1,
	sortKeys: false,
	transform: () => {}
};
function defaultCompareFn(a, b) {
	const x = String(a);
	const y = String(b);
	if (x < y) return -1;
	if (x > y) return 1;
	return 0;
}
/**
* Serializes JS object as a YAML document. By default it can dump every
* supported YAML type, so it throws an exception if you try to dump regexps or
* functions. However, you can disable exceptions by setting the
* {@link DumpOptions.skipInvalid} option to `true`.
*
* @category Main
*/
function dump(input, options = {}) {
	const opts = {
		...DEFAULT_DUMP_OPTIONS,
		...options
	};
	const documents = jsToAst(input, opts.schema, {
		noRefs: opts.noRefs,
		skipInvalid: opts.skipInvalid
	});
	if (opts.flowLevel >= 0) visit(documents, (node, ctx) => {
		if (ctx.depth < opts.flowLevel) return;
		if (node.kind === "sequence" || node.kind === "mapping") node.style = COLLECTION_STYLE.FLOW;
		return VISIT_SKIP;
	});
	if (opts.sortKeys) {
		const compareFn = opts.sortKeys === true ? defaultCompareFn : opts.sortKeys;
		visit(documents, (node) => {
			if (node.kind !== "mapping") return;
			node.items.sort((a, b) => compareFn(a.key.kind === "scalar" ? a.key.value : "", b.key.kind === "scalar" ? b.key.value : ""));
		});
	}
	opts.transform(documents);
	return present(documents, {
		...pick(opts, Object.keys(DEFAULT_PRESENTER_OPTIONS)),
		schema: opts.schema
	});
}
//#endregion
//#region src/ast/from_events.ts
var NO_RANGE = (/* unused pure expression or super */ null && (-1));
function eventPosition(event) {
	if ("tagStart" in event && event.tagStart !== NO_RANGE) return event.tagStart;
	if ("anchorStart" in event && event.anchorStart !== NO_RANGE) return event.anchorStart;
	if ("valueStart" in event && event.valueStart !== NO_RANGE) return event.valueStart;
	if ("start" in event) return event.start;
	return 0;
}
function rawTag(state, event) {
	return event.tagStart === NO_RANGE ? "" : state.source.slice(event.tagStart, event.tagEnd);
}
function anchorName(state, event) {
	return event.anchorStart === NO_RANGE ? void 0 : state.source.slice(event.anchorStart, event.anchorEnd);
}
function buildScalar(state, event) {
	const value = getScalarValue(state.source, event);
	const raw = rawTag(state, event);
	let tag;
	let tagged = false;
	if (raw !== "") {
		tagged = true;
		tag = raw;
	} else if (event.style === SCALAR_STYLE.PLAIN) tag = state.schema.resolveImplicitScalarTag(value).tag.tagName;
	else tag = state.schema.defaultScalarTag.tagName;
	return {
		kind: "scalar",
		tag,
		tagged,
		style: event.style,
		anchor: anchorName(state, event),
		value
	};
}
function buildCollection(state, event, defaultTagName) {
	const raw = rawTag(state, event);
	let tag;
	let tagged = false;
	if (raw === "") tag = defaultTagName;
	else {
		tag = raw;
		tagged = true;
	}
	return {
		tag,
		tagged,
		style: event.style,
		anchor: anchorName(state, event)
	};
}
function addNode(state, node) {
	const frame = state.frames[state.frames.length - 1];
	if (frame.kind === "document") frame.doc.contents = node;
	else if (frame.kind === "sequence") frame.node.items.push(node);
	else if (frame.key) {
		frame.node.items.push({
			key: frame.key,
			value: node
		});
		frame.key = null;
	} else frame.key = node;
}
/**
* Builds an AST from parser events
*
* @category AST
*/
function eventsToAst(events, options) {
	const state = {
		source: options.source,
		schema: options.schema,
		eventIndex: 0,
		position: 0,
		frames: [],
		documents: []
	};
	while (state.eventIndex < events.length) {
		const event = events[state.eventIndex++];
		state.position = eventPosition(event);
		switch (event.type) {
			case EVENT_ID.DOCUMENT: {
				const doc = {
					contents: null,
					explicitStart: event.explicitStart,
					explicitEnd: event.explicitEnd,
					directives: event.directives
				};
				state.frames.push({
					kind: "document",
					doc
				});
				break;
			}
			case EVENT_ID.SCALAR:
				addNode(state, buildScalar(state, event));
				break;
			case EVENT_ID.SEQUENCE: {
				const { tag, tagged, style, anchor } = buildCollection(state, event, "tag:yaml.org,2002:seq");
				const node = {
					kind: "sequence",
					tag,
					tagged,
					style,
					anchor,
					items: []
				};
				state.frames.push({
					kind: "sequence",
					node
				});
				break;
			}
			case EVENT_ID.MAPPING: {
				const { tag, tagged, style, anchor } = buildCollection(state, event, "tag:yaml.org,2002:map");
				const node = {
					kind: "mapping",
					tag,
					tagged,
					style,
					anchor,
					items: []
				};
				state.frames.push({
					kind: "mapping",
					node,
					key: null
				});
				break;
			}
			case EVENT_ID.ALIAS:
				addNode(state, {
					kind: "alias",
					anchor: state.source.slice(event.anchorStart, event.anchorEnd)
				});
				break;
			case EVENT_ID.POP: {
				const frame = state.frames.pop();
				if (frame.kind === "mapping" && frame.key) throw new Error("incomplete mapping pair in event stream");
				if (frame.kind === "document") state.documents.push(frame.doc);
				else addNode(state, frame.node);
				break;
			}
		}
	}
	return state.documents;
}
//#endregion
//#region src/index.ts
/** @deprecated Use `EVENT_ID.DOCUMENT` instead. @internal */
var EVENT_DOCUMENT = EVENT_ID.DOCUMENT;
/** @deprecated Use `EVENT_ID.SEQUENCE` instead. @internal */
var EVENT_SEQUENCE = EVENT_ID.SEQUENCE;
/** @deprecated Use `EVENT_ID.MAPPING` instead. @internal */
var EVENT_MAPPING = EVENT_ID.MAPPING;
/** @deprecated Use `EVENT_ID.SCALAR` instead. @internal */
var EVENT_SCALAR = EVENT_ID.SCALAR;
/** @deprecated Use `EVENT_ID.ALIAS` instead. @internal */
var EVENT_ALIAS = EVENT_ID.ALIAS;
/** @deprecated Use `EVENT_ID.POP` instead. @internal */
var EVENT_POP = EVENT_ID.POP;
/** @deprecated Use `SCALAR_STYLE.PLAIN` instead. @internal */
var SCALAR_STYLE_PLAIN = SCALAR_STYLE.PLAIN;
/** @deprecated Use `SCALAR_STYLE.SINGLE_QUOTED` instead. @internal */
var SCALAR_STYLE_SINGLE_QUOTED = SCALAR_STYLE.SINGLE_QUOTED;
/** @deprecated Use `SCALAR_STYLE.DOUBLE_QUOTED` instead. @internal */
var SCALAR_STYLE_DOUBLE_QUOTED = SCALAR_STYLE.DOUBLE_QUOTED;
/** @deprecated Use `SCALAR_STYLE.LITERAL_BLOCK` instead. @internal */
var SCALAR_STYLE_LITERAL_BLOCK = SCALAR_STYLE.LITERAL_BLOCK;
/** @deprecated Use `SCALAR_STYLE.FOLDED_BLOCK` instead. @internal */
var SCALAR_STYLE_FOLDED_BLOCK = SCALAR_STYLE.FOLDED_BLOCK;
/** @deprecated Use `COLLECTION_STYLE.BLOCK` instead. @internal */
var COLLECTION_STYLE_BLOCK = COLLECTION_STYLE.BLOCK;
/** @deprecated Use `COLLECTION_STYLE.FLOW` instead. @internal */
var COLLECTION_STYLE_FLOW = COLLECTION_STYLE.FLOW;
/** @deprecated Use `CHOMPING_MODE.CLIP` instead. @internal */
var CHOMPING_CLIP = CHOMPING_MODE.CLIP;
/** @deprecated Use `CHOMPING_MODE.STRIP` instead. @internal */
var CHOMPING_STRIP = CHOMPING_MODE.STRIP;
/** @deprecated Use `CHOMPING_MODE.KEEP` instead. @internal */
var CHOMPING_KEEP = CHOMPING_MODE.KEEP;
//#endregion


//# sourceMappingURL=js-yaml.mjs.map
;// CONCATENATED MODULE: ./build/changelog/declarative/yaml-reader.js

/** Where a file could not be read and what the reader expected: never its text. */
class YamlSyntaxError extends Error {
    line;
    column;
    expected;
    constructor(line, column, expected) {
        super(`line ${line}, column ${column}: ${expected}`);
        this.line = line;
        this.column = column;
        this.expected = expected;
        this.name = 'YamlSyntaxError';
    }
}
const BOM = '\uFEFF';
// Item offsets ride on the sequence itself: a side table (WeakMap) cost a third of the load.
const ITEM_OFFSETS = Symbol('item offsets');
const KEY_OFFSETS = Symbol('key offsets');
function readYaml(raw, options = {}) {
    const text = raw.startsWith(BOM) ? raw.slice(1) : raw;
    const lines = new LineIndex(text);
    let events;
    try {
        events = parseEvents(text, {});
    }
    catch (error) {
        throw syntaxError(error, lines);
    }
    const { documents, documentOffsets } = construct(text, events, options.keyLines === true, lines);
    return {
        documents,
        get documentLines() {
            return documentOffsets.map((offset) => lines.lineAt(offset));
        },
        itemLines: (sequence) => sequence[ITEM_OFFSETS]?.map((offset) => lines.lineAt(offset)),
        itemLine: (sequence, index) => {
            const offset = sequence[ITEM_OFFSETS]?.[index];
            return offset === undefined ? undefined : lines.lineAt(offset);
        },
        keyLine: (mapping, key) => {
            const offset = mapping[KEY_OFFSETS]?.get(key);
            return offset === undefined ? undefined : lines.lineAt(offset);
        },
    };
}
const DOCUMENT = 0;
const MAPPING = 1;
const SEQUENCE = 2;
/** One pass over the events with parallel stacks (no frame objects, no closures: it is the hot loop). */
function construct(text, events, keyLines, lines) {
    const documents = [];
    const documentOffsets = [];
    const kinds = [];
    const values = [];
    const keys = [];
    const offsetsOf = [];
    // `<<` values, merged when their mapping ends: a mapping written in place is still empty when it arrives.
    const merges = [];
    let depth = -1;
    let anchors = new Map();
    for (let index = 0; index < events.length; index++) {
        const event = events[index];
        let value;
        let offset;
        switch (event.type) {
            case EVENT_ID.DOCUMENT:
                anchors = new Map();
                depth++;
                kinds[depth] = DOCUMENT;
                values[depth] = null;
                continue;
            case EVENT_ID.POP:
                if (kinds[depth] === DOCUMENT)
                    documents.push(values[depth]);
                if (kinds[depth] === MAPPING && merges[depth] !== undefined) {
                    for (const pending of merges[depth])
                        merge(values[depth], pending.value, lines, pending.offset);
                    merges[depth] = undefined;
                }
                depth--;
                continue;
            case EVENT_ID.SCALAR:
                value = scalarValue(text, event);
                offset = event.valueStart >= 0 ? event.valueStart : Math.max(event.anchorStart, event.tagStart, 0);
                if (event.anchorStart >= 0)
                    anchors.set(text.slice(event.anchorStart, event.anchorEnd), value);
                break;
            case EVENT_ID.MAPPING:
            case EVENT_ID.SEQUENCE:
                value = event.type === EVENT_ID.MAPPING ? {} : [];
                offset = event.start;
                if (event.anchorStart >= 0)
                    anchors.set(text.slice(event.anchorStart, event.anchorEnd), value);
                break;
            case EVENT_ID.ALIAS: {
                const name = text.slice(event.anchorStart, event.anchorEnd);
                if (!anchors.has(name)) {
                    throw new YamlSyntaxError(lines.lineAt(event.anchorStart), lines.columnAt(event.anchorStart), 'an alias (*name) of an anchor (&name) defined before it');
                }
                value = anchors.get(name);
                offset = event.anchorStart;
                break;
            }
        }
        const parent = kinds[depth];
        if (parent === SEQUENCE) {
            values[depth].push(value);
            offsetsOf[depth].push(offset);
        }
        else if (parent === MAPPING) {
            const mapping = values[depth];
            const key = keys[depth];
            if (key === undefined) {
                const name = typeof value === 'string' ? value : keyText(value);
                keys[depth] = name;
                if (keyLines) {
                    if (!Object.hasOwn(mapping, KEY_OFFSETS))
                        Object.defineProperty(mapping, KEY_OFFSETS, { value: new Map() });
                    mapping[KEY_OFFSETS].set(name, offset);
                }
            }
            else {
                if (key === '<<' && typeof value === 'object' && value !== null)
                    (merges[depth] ??= []).push({ value, offset });
                else
                    yaml_reader_define(mapping, key, value);
                keys[depth] = undefined;
            }
        }
        else {
            values[depth] = value;
            documentOffsets.push(offset);
        }
        if (event.type === EVENT_ID.MAPPING) {
            depth++;
            kinds[depth] = MAPPING;
            values[depth] = value;
            keys[depth] = undefined;
            merges[depth] = undefined;
        }
        else if (event.type === EVENT_ID.SEQUENCE) {
            depth++;
            kinds[depth] = SEQUENCE;
            values[depth] = value;
            const items = [];
            offsetsOf[depth] = items;
            // Not enumerable: the lists stay plain lists to whoever compares or copies them.
            Object.defineProperty(value, ITEM_OFFSETS, { value: items });
        }
    }
    return { documents, documentOffsets };
}
/** Merge keys: the mapping's own keys win, then earlier merged mappings over later ones. */
function merge(target, value, lines, offset) {
    for (const source of Array.isArray(value) ? value : [value]) {
        if (typeof source !== 'object' || source === null || Array.isArray(source)) {
            throw new YamlSyntaxError(lines.lineAt(offset), lines.columnAt(offset), 'a merge key (<<) takes a mapping or a list of mappings');
        }
        for (const [name, merged] of Object.entries(source)) {
            if (!Object.hasOwn(target, name))
                yaml_reader_define(target, name, merged);
        }
    }
}
// `__proto__` as a key must stay a key, not reach the prototype.
function yaml_reader_define(target, key, value) {
    if (key === '__proto__')
        Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
    else
        target[key] = value;
}
function keyText(value) {
    if (value === null)
        return 'null';
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
const STR_TAG = /^!!str$|^!<tag:yaml\.org,2002:str>$/;
/**
 * A scalar as YAML 1.2's core schema reads it: only plain scalars resolve to null, booleans and
 * numbers; quoted and block scalars, and anything tagged `!!str`, stay strings.
 */
function scalarValue(text, event) {
    const value = getScalarValue(text, event);
    if (event.style !== SCALAR_STYLE.PLAIN)
        return value;
    if (event.tagStart >= 0 && STR_TAG.test(text.slice(event.tagStart, event.tagEnd)))
        return value;
    return resolvePlain(value);
}
const MAY_RESOLVE = (() => {
    const table = [];
    for (const char of '~.+-0123456789nNtTfF')
        table[char.charCodeAt(0)] = true;
    return table;
})();
const INT = /^[-+]?[0-9]+$/;
const FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
function resolvePlain(value) {
    if (value === '')
        return null;
    // Most values (names, paths, URLs) start with a character no null, boolean or number starts with.
    if (!MAY_RESOLVE[value.charCodeAt(0)])
        return value;
    switch (value) {
        case '~':
        case 'null':
        case 'Null':
        case 'NULL': return null;
        case 'true':
        case 'True':
        case 'TRUE': return true;
        case 'false':
        case 'False':
        case 'FALSE': return false;
        case '.inf':
        case '.Inf':
        case '.INF':
        case '+.inf':
        case '+.Inf':
        case '+.INF': return Infinity;
        case '-.inf':
        case '-.Inf':
        case '-.INF': return -Infinity;
        case '.nan':
        case '.NaN':
        case '.NAN': return NaN;
    }
    if (INT.test(value))
        return Number(value);
    if (/^0o[0-7]+$/.test(value))
        return parseInt(value.slice(2), 8);
    if (/^0x[0-9a-fA-F]+$/.test(value))
        return parseInt(value.slice(2), 16);
    if (FLOAT.test(value))
        return Number(value);
    return value;
}
/**
 * js-yaml's own message carries a snippet of the source, which may be a key or a password:
 * only its reason is kept, with anything quoted in it cut out.
 */
function syntaxError(error, lines) {
    if (!(error instanceof YAMLException))
        return error;
    const mark = error.mark;
    const reason = String(error.reason ?? 'not valid YAML').replace(/"[^"]*"|'[^']*'|!<[^>]*>/g, '(…)');
    if (mark?.line !== undefined && mark.column !== undefined)
        return new YamlSyntaxError(mark.line + 1, mark.column + 1, reason);
    const position = mark?.position ?? 0;
    return new YamlSyntaxError(lines.lineAt(position), lines.columnAt(position), reason);
}
/** Offsets to 1-based lines and columns, by binary search over the line starts. */
class LineIndex {
    text;
    starts;
    constructor(text) {
        this.text = text;
    }
    lineAt(offset) {
        const starts = this.lineStarts();
        let low = 0;
        let high = starts.length - 1;
        while (low < high) {
            const middle = (low + high + 1) >> 1;
            if (starts[middle] <= offset)
                low = middle;
            else
                high = middle - 1;
        }
        return low + 1;
    }
    columnAt(offset) {
        return offset - this.lineStarts()[this.lineAt(offset) - 1] + 1;
    }
    lineStarts() {
        if (this.starts)
            return this.starts;
        const found = [0];
        for (let index = this.text.indexOf('\n'); index !== -1; index = this.text.indexOf('\n', index + 1))
            found.push(index + 1);
        this.starts = Int32Array.from(found);
        return this.starts;
    }
}


/***/ }),

/***/ 8846:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   N: () => (/* binding */ crosses)
/* harmony export */ });
/* harmony import */ var _version_kong_version_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(7143);

/** True when the upgrade enters `version`: it starts below it and ends at or above it. */
function crosses(context, version) {
    const at = (0,_version_kong_version_js__WEBPACK_IMPORTED_MODULE_0__/* .parseKongVersion */ .bo)(version);
    return (0,_version_kong_version_js__WEBPACK_IMPORTED_MODULE_0__/* .compareKongVersions */ .QR)(context.from, at) < 0 && (0,_version_kong_version_js__WEBPACK_IMPORTED_MODULE_0__/* .compareKongVersions */ .QR)(context.to, at) >= 0;
}


/***/ }),

/***/ 3052:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  w5: () => (/* binding */ describeSetting),
  py: () => (/* binding */ diffKongConf),
  g3: () => (/* binding */ maskSecretSettings),
  KQ: () => (/* reexport */ parseKongConfDefault),
  ET: () => (/* binding */ parseUserKongConf)
});

// UNUSED EXPORTS: KONG_CONF_INPUT, isSecretSetting

// EXTERNAL MODULE: ./build/lib/errors.js
var errors = __nccwpck_require__(1469);
;// CONCATENATED MODULE: ./build/changelog/kong-conf-default.js
/**
 * Reads Kong's `kong.conf.default`: every property appears commented out with its default,
 * `#key = value   # description`, descriptions continue on indented `#` lines, and an empty
 * default reads `#node_id =        # Node ID…` (facts: changelog-and-admin-api.md §A.4).
 * Only the first line of a property matters; description lines start with whitespace or
 * `# `, so they never look like a property.
 *
 * This module has no imports so that scripts/gen-kong-conf-data.mjs can load it with Node's
 * type stripping: the generated data and the tests share one parser.
 */
const PROPERTY_START = /^#([a-z_][a-z0-9_]*)\s*=(.*)$/;
// The description starts at the first `#` that opens the rest or follows whitespace. The
// regex suggested in facts §A.4 lets a lazy value swallow the description of an empty
// default (`#node_id =   # Node ID…`), so the split is done by hand.
const DESCRIPTION = /(?:^|\s)#/;
function parseKongConfDefault(text) {
    const defaults = new Map();
    for (const line of text.split(/\r?\n/)) {
        const match = PROPERTY_START.exec(line);
        if (!match)
            continue;
        const rest = match[2];
        const description = DESCRIPTION.exec(rest);
        defaults.set(match[1], (description ? rest.slice(0, description.index) : rest).trim());
    }
    return defaults;
}

;// CONCATENATED MODULE: ./build/changelog/kong-conf.js


/** The input name errors about a user's kong.conf point at. */
const KONG_CONF_INPUT = 'kong-conf';
const SETTING = /^([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/;
// Kong strips an inline comment from each value: an unescaped `#` and everything after it,
// with the whitespace before it, then turns `\#` into `#` (kong/conf_loader/init.lua,
// load_config → strip_comments, regex `\s*(?<!\\)#.*$`). So `a#b` reads as `a`, too.
const INLINE_COMMENT = /\s*(?<!\\)#.*$/;
/**
 * Parses a kong.conf the way Kong reads it (pl.config with `smart = false`, then the comment
 * stripping above): blank lines and lines starting with `#` are skipped, a later setting of the
 * same key wins. Penlight would silently keep a line that is not `key = value`; such a line is
 * almost always a typo, so it is an error here, naming the line.
 */
function parseUserKongConf(text, input = KONG_CONF_INPUT) {
    const settings = new Map();
    text.split(/\r?\n/).forEach((raw, index) => {
        const line = raw.trim();
        if (line === '' || line.startsWith('#'))
            return;
        const match = SETTING.exec(line);
        if (!match) {
            // Only the leading name is quoted: the rest may be a secret (`pg_password: s3cret`), and
            // the conf is parsed before any of its values could be masked.
            const name = /^[A-Za-z0-9_.-]*/.exec(line)[0];
            throw (0,errors/* inputError */.Xu)(input, `line ${index + 1} is not \`key = value\` or a \`#\` comment${name ? ` (it begins "${name.slice(0, 60)}")` : ''}; the rest of the line is not shown, as a kong.conf holds passwords`);
        }
        const value = match[2].replace(INLINE_COMMENT, '').replaceAll('\\#', '#').trim();
        settings.set(match[1], { value, line: index + 1 });
    });
    return settings;
}
// Names whose values are secrets or key material (`pg_password`, `cassandra_password`,
// `vault_hcv_token`, `ssl_cert_key`, `admin_gui_auth_conf` with its client secret, inline PEM
// certificates), matched as `_`-separated words, with or without the KONG_ prefix of their
// environment variable. Too wide is harmless: a value not quoted.
const SECRET_WORDS = /(?:^|_)(?:password|passwd|secret|token|key|keys|cert|certificate|credential|credentials|private|license_data|auth_conf|session_conf)(?:_|$)/;
// What Kong itself hides beyond those words (Kong/kong 3.4.2, kong/conf_loader/init.lua,
// CONF_SENSITIVE): a proxy URL may hold credentials, a declarative config any secret.
const KONG_SENSITIVE = new Set(['proxy_server', 'declarative_config_string']);
/** A setting whose value is never quoted in a finding, a log or the plan, and is masked when read. */
function isSecretSetting(name) {
    const key = name.toLowerCase().replace(/^kong_/, '');
    return SECRET_WORDS.test(key) || KONG_SENSITIVE.has(key);
}
/** `name = value` for a finding, or the name alone when the value is a secret. */
function describeSetting(name, setting) {
    return isSecretSetting(name) ? `\`${name}\` (its value is not shown: a secret or key setting)` : `\`${name} = ${setting.value}\``;
}
/** Masks (through `mask`) the value of every secret setting of a user's kong.conf. */
function maskSecretSettings(conf, mask) {
    for (const [name, setting] of conf)
        if (setting.value !== '' && isSecretSetting(name))
            mask(setting.value);
}
/** What changed from the defaults of `a` to those of `b`, each list in its file's order. */
function diffKongConf(a, b) {
    const added = [...b].filter(([name]) => !a.has(name)).map(([name, value]) => ({ name, default: value }));
    const removed = [...a].filter(([name]) => !b.has(name)).map(([name, value]) => ({ name, default: value }));
    const defaultChanged = [...b].flatMap(([name, to]) => {
        const from = a.get(name);
        return from === undefined || from === to ? [] : [{ name, from, to }];
    });
    return { added, removed, defaultChanged };
}


/***/ }),

/***/ 1614:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   a: () => (/* binding */ parseKongEnv)
/* harmony export */ });
/* unused harmony export KONG_ENV_INPUT */
/* harmony import */ var _lib_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(1469);
/* harmony import */ var _declarative_values_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(7230);
/* harmony import */ var _declarative_yaml_reader_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(782);



/** The input name errors about the environment file point at. */
const KONG_ENV_INPUT = 'kong-env';
/**
 * Kong reads every kong.conf property from `KONG_<NAME>` as well, and the environment wins
 * (kong/conf_loader: defaults < conf file < environment). Deployments keep them in a dotenv
 * file, in the Kong Helm chart's `env:` map (kong.conf names, which the chart turns into
 * KONG_<NAME>: charts/kong/templates/_helpers.tpl), in a Compose file's `environment:` or in a
 * container's `env:` list. Each becomes a kong.conf setting with its file and line; values
 * taken from a Secret or ConfigMap (`valueFrom`) are set but unknown (empty here).
 */
function parseKongEnv(file, text) {
    return looksLikeYaml(text) ? fromYaml(file, text) : fromDotenv(file, text);
}
function looksLikeYaml(text) {
    return /^\s*(env|environment|services|spec|apiVersion|[A-Za-z0-9_-]+)\s*:\s*(#.*)?$/m.test(text) && !/^\s*(export\s+)?KONG_[A-Z0-9_]+\s*=/m.test(text);
}
const DOTENV = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;
function fromDotenv(file, text) {
    const settings = new Map();
    text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, index) => {
        const line = raw.trim();
        if (line === '' || line.startsWith('#'))
            return;
        const match = DOTENV.exec(line);
        if (!match) {
            throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(KONG_ENV_INPUT, `${file}: line ${index + 1} is not \`NAME=value\` or a \`#\` comment; the line is not shown, as it may hold a password`);
        }
        const name = kongName(match[1]);
        if (name !== undefined)
            settings.set(name, { value: unquote(match[2]), line: index + 1, file });
    });
    return settings;
}
function unquote(value) {
    const quoted = /^(["'])(.*)\1\s*(#.*)?$/.exec(value);
    if (quoted)
        return quoted[2];
    return value.replace(/\s+#.*$/, '').trim();
}
/** `KONG_PG_HOST` → `pg_host`; other variables are not Kong's. */
function kongName(variable) {
    return /^KONG_[A-Za-z0-9_]+$/.test(variable) ? variable.slice(5).toLowerCase() : undefined;
}
function fromYaml(file, text) {
    let yaml;
    try {
        yaml = (0,_declarative_yaml_reader_js__WEBPACK_IMPORTED_MODULE_1__/* .readYaml */ .gM)(text, { keyLines: true });
    }
    catch (error) {
        if (error instanceof _declarative_yaml_reader_js__WEBPACK_IMPORTED_MODULE_1__/* .YamlSyntaxError */ .nN)
            throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(KONG_ENV_INPUT, `${file}: not valid YAML at ${error.message} (the line is not shown: it may hold a password)`);
        throw error;
    }
    const settings = new Map();
    const line = (owner, key) => yaml.keyLine(owner, key) ?? 0;
    const add = (name, value, at) => {
        if (name !== undefined)
            settings.set(name, { value: scalarText(value), line: at, file });
    };
    const readEnv = (env, namesAreKong) => {
        if ((0,_declarative_values_js__WEBPACK_IMPORTED_MODULE_2__/* .isRecord */ .u)(env)) {
            for (const [key, value] of Object.entries(env))
                add(namesAreKong ? key.toLowerCase() : kongName(key), value, line(env, key));
        }
        else if (Array.isArray(env)) {
            const lines = yaml.itemLines(env);
            env.forEach((item, index) => {
                const at = lines?.[index] ?? 0;
                if ((0,_declarative_values_js__WEBPACK_IMPORTED_MODULE_2__/* .isRecord */ .u)(item) && typeof item['name'] === 'string')
                    add(kongName(item['name']), item['value'], at);
                else if (typeof item === 'string' && item.includes('='))
                    add(kongName(item.slice(0, item.indexOf('='))), item.slice(item.indexOf('=') + 1), at);
            });
        }
    };
    for (const document of yaml.documents) {
        if (!(0,_declarative_values_js__WEBPACK_IMPORTED_MODULE_2__/* .isRecord */ .u)(document))
            continue;
        // Helm values: `env:` at the top, or under a subchart (`gateway.env`, `kong.env`).
        for (const holder of [document, ...Object.values(document).filter(_declarative_values_js__WEBPACK_IMPORTED_MODULE_2__/* .isRecord */ .u)]) {
            if ('env' in holder)
                readEnv(holder['env'], (0,_declarative_values_js__WEBPACK_IMPORTED_MODULE_2__/* .isRecord */ .u)(holder['env']));
        }
        // Compose: services.<name>.environment (a map or NAME=value items).
        if ((0,_declarative_values_js__WEBPACK_IMPORTED_MODULE_2__/* .isRecord */ .u)(document['services'])) {
            for (const service of Object.values(document['services']).filter(_declarative_values_js__WEBPACK_IMPORTED_MODULE_2__/* .isRecord */ .u))
                readEnv(service['environment'], false);
        }
        // Kubernetes: the containers' env lists of a workload.
        const template = (0,_declarative_values_js__WEBPACK_IMPORTED_MODULE_2__/* .isRecord */ .u)(document['spec']) && (0,_declarative_values_js__WEBPACK_IMPORTED_MODULE_2__/* .isRecord */ .u)(document['spec']['template']) ? document['spec']['template'] : undefined;
        const pod = template && (0,_declarative_values_js__WEBPACK_IMPORTED_MODULE_2__/* .isRecord */ .u)(template['spec']) ? template['spec'] : undefined;
        for (const container of pod ? [...(0,_declarative_values_js__WEBPACK_IMPORTED_MODULE_2__/* .recordsIn */ .Q)(pod['containers']), ...(0,_declarative_values_js__WEBPACK_IMPORTED_MODULE_2__/* .recordsIn */ .Q)(pod['initContainers'])] : [])
            readEnv(container['env'], false);
    }
    // None found is an answer too (Helm values that keep the chart's env): the plan's `inspected` shows 0.
    return settings;
}
function scalarText(value) {
    if (value === null || value === undefined || typeof value === 'object')
        return '';
    return String(value);
}


/***/ }),

/***/ 1705:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   XQ: () => (/* binding */ sourceFileOf),
/* harmony export */   fN: () => (/* binding */ loadChangelog),
/* harmony export */   jh: () => (/* binding */ releasesInRange)
/* harmony export */ });
/* harmony import */ var _lib_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(1469);
/* harmony import */ var _version_catalog_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(7692);
/* harmony import */ var _version_kong_version_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(7143);
/* harmony import */ var _sources_remote_file_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(7727);




/**
 * A given file wins; otherwise the reader (network, or the cache when offline) supplies
 * Kong's living changelogs for the edition. Undefined releases: no changelog could be had.
 */
async function loadChangelog(edition, given, read, now) {
    if (given !== undefined) {
        return {
            releases: await parseGivenChangelog(given),
            files: [{ what: 'changelog', location: given.path, url: undefined, via: 'file', fetchedAt: undefined, ageDays: undefined }],
        };
    }
    if (read === undefined)
        return { releases: undefined, files: [] };
    const wanted = edition === 'enterprise' ? [_sources_remote_file_js__WEBPACK_IMPORTED_MODULE_3__/* .ENTERPRISE_CHANGELOG */ .Fp] : [_sources_remote_file_js__WEBPACK_IMPORTED_MODULE_3__/* .OSS_CHANGELOG */ .fh, _sources_remote_file_js__WEBPACK_IMPORTED_MODULE_3__/* .OSS_CHANGELOG_OLD */ .pZ];
    const fetched = await Promise.all(wanted.map((file) => read(file)));
    const { parseEnterpriseChangelogJson, parseOssChangelog } = await parsers();
    const releases = edition === 'enterprise'
        ? parseEnterpriseChangelogJson(fetched[0].text, (0,_sources_remote_file_js__WEBPACK_IMPORTED_MODULE_3__/* .describeRemoteFile */ .cX)(_sources_remote_file_js__WEBPACK_IMPORTED_MODULE_3__/* .ENTERPRISE_CHANGELOG */ .Fp))
        : fetched.flatMap((file) => parseOssChangelog(file.text, (0,_sources_remote_file_js__WEBPACK_IMPORTED_MODULE_3__/* .describeRemoteFile */ .cX)(file.file)));
    return { releases, files: fetched.map((file) => sourceFileOf('changelog', file, now)) };
}
function sourceFileOf(what, fetched, now) {
    return {
        what,
        location: (0,_sources_remote_file_js__WEBPACK_IMPORTED_MODULE_3__/* .describeRemoteFile */ .cX)(fetched.file),
        url: (0,_sources_remote_file_js__WEBPACK_IMPORTED_MODULE_3__/* .remoteFileUrl */ .sy)(fetched.file),
        via: fetched.via,
        fetchedAt: fetched.fetchedAt,
        ageDays: Math.max(0, Math.floor((now.getTime() - Date.parse(fetched.fetchedAt)) / 86_400_000)),
    };
}
/** The parsers (and marked) load only when a changelog is there to parse: offline plans start faster. */
function parsers() {
    return Promise.all(/* import() */[__nccwpck_require__.e(22), __nccwpck_require__.e(228)]).then(__nccwpck_require__.bind(__nccwpck_require__, 7228));
}
/** The three formats are told apart by their first significant character and headings. */
async function parseGivenChangelog(given) {
    const { parseEnterpriseChangelogJson, parseEnterpriseChangelogMarkdown, parseOssChangelog } = await parsers();
    const text = given.text.trimStart();
    if (text === '')
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(given.input, `"${given.path}" is empty`);
    if (text.startsWith('{'))
        return parseEnterpriseChangelogJson(text, given.path);
    // Legacy Enterprise release headings carry four numbers (`## 3.4.3.5`); OSS headings three.
    if (/^##\s+\d+\.\d+\.\d+\.\d+\s*$/m.test(text))
        return parseEnterpriseChangelogMarkdown(text, given.path);
    return parseOssChangelog(text, given.path);
}
/**
 * Every release after `from` up to `to`: the catalog's list (which knows releases without a
 * changelog section, e.g. OSS 3.0.2) merged with the changelog's, entries from the changelog.
 */
function releasesInRange(from, to, edition, changelog) {
    const byVersion = new Map();
    for (const known of (0,_version_catalog_js__WEBPACK_IMPORTED_MODULE_1__/* .releasesBetween */ .b3)(from, to, edition)) {
        const text = (0,_version_kong_version_js__WEBPACK_IMPORTED_MODULE_2__/* .formatKongVersion */ .Xz)(known.version);
        byVersion.set(text, { version: known.version, release: { version: text, date: known.date, entries: [] } });
    }
    for (const release of changelog ?? []) {
        const version = editionVersion(release.version, edition);
        if (version === undefined || (0,_version_kong_version_js__WEBPACK_IMPORTED_MODULE_2__/* .compareKongVersions */ .QR)(version, from) <= 0 || (0,_version_kong_version_js__WEBPACK_IMPORTED_MODULE_2__/* .compareKongVersions */ .QR)(version, to) > 0)
            continue;
        const key = (0,_version_kong_version_js__WEBPACK_IMPORTED_MODULE_2__/* .formatKongVersion */ .Xz)(version);
        const known = byVersion.get(key);
        byVersion.set(key, {
            version,
            release: { version: release.version, date: release.date ?? known?.release.date, entries: [...(known?.release.entries ?? []), ...release.entries] },
        });
    }
    return [...byVersion.values()].sort((a, b) => (0,_version_kong_version_js__WEBPACK_IMPORTED_MODULE_2__/* .compareKongVersions */ .QR)(a.version, b.version)).map((item) => item.release);
}
/**
 * A changelog version in the plan's edition: OSS plans skip four-number versions; the
 * Enterprise JSON has a few three-number keys (facts A.3b), taken as that patch's build 0.
 */
function editionVersion(text, edition) {
    const version = (0,_version_kong_version_js__WEBPACK_IMPORTED_MODULE_2__/* .tryParseKongVersion */ .SC)(text);
    if (version === undefined)
        return undefined;
    if (edition === 'oss')
        return version.build === undefined ? version : undefined;
    return version.build === undefined ? { ...version, build: 0 } : version;
}


/***/ }),

/***/ 746:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  V: () => (/* binding */ gatherImpacts),
  N: () => (/* binding */ inspectedLines)
});

// EXTERNAL MODULE: ./build/version/catalog.js + 1 modules
var catalog = __nccwpck_require__(7692);
// EXTERNAL MODULE: ./build/version/kong-version.js
var kong_version = __nccwpck_require__(7143);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __nccwpck_require__(6760);
// EXTERNAL MODULE: ./build/changelog/impact/crossing.js
var crossing = __nccwpck_require__(8846);
;// CONCATENATED MODULE: ./build/changelog/impact/declarative-consumer.js



/** decK and Kong write the 3.x declarative format as "3.0" (facts declarative-consumers.md). */
function isFormat3(formatVersion) {
    return formatVersion === '3.0';
}
/** Names the consumer in a finding when the plan reports both (it could not tell which). */
function consumerLabel(context, consumer) {
    if (context.declarativeConsumers.length < 2)
        return '';
    return consumer === 'deck' ? ' (if decK syncs this file)' : ' (if Kong loads this file DB-less)';
}
const LTS_34 = (0,kong_version/* parseKongVersion */.bo)('3.4.0');
/**
 * The `deck file convert` for a 2.x file on its way to 3.x, input and output named (facts
 * upgrade-paths-helm-operator-deck.md §5.3: always pass both). From 2.8 to 3.4 or later the
 * LTS converter also rewrites the removed plugin fields; it needs decK 1.47 (developer.konghq.com
 * deck/file/convert).
 */
function convertRemedy(context, file) {
    const input = file === undefined ? 'kong.yaml' : external_node_path_.basename(file);
    const output = input.replace(/(\.[^.]*)?$/, (ext) => `-3.x${ext}`);
    const io = `--input-file ${input} --output-file ${output}`;
    if ((0,kong_version/* releaseLine */.aY)(context.from) === '2.8' && (0,kong_version/* compareKongVersions */.QR)(context.to, LTS_34) >= 0) {
        return `\`deck file convert --from 2.8 --to 3.4 ${io}\` with decK 1.47 or later (it also moves blacklist/whitelist, functions and proxy_scheme)`;
    }
    return `\`deck file convert --from kong-gateway-2.x --to kong-gateway-3.x ${io}\``;
}
/**
 * decK refuses every declarative file whose `_format_version` is not 3.0 once the Kong it talks
 * to is 3.0 or later, before sending anything ("cannot apply '<v>' config format version to
 * Kong version 3.0 or above"; Kong/deck cmd/common.go), whatever the file's paths.
 */
const declarativeFormatVersion = {
    id: 'declarative-format-version',
    check(context) {
        if (!(0,crossing/* crosses */.N)(context, '3.0.0') || !context.declarativeConsumers.includes('deck'))
            return [];
        return context.entities.flatMap((set) => {
            if (set.source !== 'declarative' || isFormat3(set.formatVersion))
                return [];
            const version = set.formatVersion === undefined ? 'no `_format_version`' : `\`_format_version: "${set.formatVersion}"\``;
            return [
                {
                    rule: 'declarative-format-version',
                    severity: 'error',
                    title: `decK refuses this file against Kong 3.x: ${set.formatVersion === undefined ? 'no format version' : `format ${set.formatVersion}`}${consumerLabel(context, 'deck')}`,
                    detail: `${set.file}: ${version}. decK stops before sending anything when the file is not in format 3.0 and Kong is 3.0 or later ("cannot apply … config format version to Kong version 3.0 or above"), whether or not its paths are regexes.`,
                    where: set.file,
                    remedy: `Convert it: ${convertRemedy(context, set.file)}; review the result, then \`deck gateway diff\` against the upgraded cluster before any sync.`,
                },
            ];
        });
    },
};

// EXTERNAL MODULE: ./build/lib/errors.js
var errors = __nccwpck_require__(1469);
;// CONCATENATED MODULE: ./build/changelog/declarative/deck-templates.js
/**
 * decK renders a state file as a Go template with `${{` `}}` delimiters before it parses the
 * YAML (Kong/go-database-reconciler file/readfile.go, renderTemplate; `env "DECK_…"` reads an
 * environment variable). The plan never reads those variables (they hold secrets): each
 * template becomes a placeholder of the same length, letters, digits and `_` only, so it is a
 * valid plain scalar anywhere (quoted, flow or block), lines and columns do not move, and a
 * path holding one is not mistaken for a regex.
 */
const TEMPLATE = /\$\{\{(.*?)\}\}/g;
const ENV_NAME = /^\s*env\s+"([A-Za-z_][A-Za-z0-9_]*)"\s*$/;
function replaceDeckTemplates(text) {
    if (!text.includes('${{'))
        return { text, envNames: [] };
    const envNames = new Set();
    const replaced = text.replace(TEMPLATE, (whole, body) => {
        const name = ENV_NAME.exec(body)?.[1];
        if (name !== undefined)
            envNames.add(name);
        const token = name === undefined ? 'deck_template' : `deck_env_${name}`;
        return token.length <= whole.length ? token.padEnd(whole.length, '_') : token.slice(0, whole.length);
    });
    return { text: replaced, envNames: [...envNames] };
}
/** True for a value that was a decK template before rendering. */
function isDeckPlaceholder(value) {
    return /deck_(env_[A-Za-z0-9_]+|template_*)/.test(value);
}

// EXTERNAL MODULE: ./build/changelog/declarative/values.js
var values = __nccwpck_require__(7230);
// EXTERNAL MODULE: ./build/changelog/declarative/yaml-reader.js + 1 modules
var yaml_reader = __nccwpck_require__(782);
;// CONCATENATED MODULE: ./build/changelog/impact/route-paths.js
/**
 * Route path facts shared by the two route rules (facts: upgrade-paths-helm-operator-deck.md
 * §5.3 and §6 items 1–2).
 */
/** 3.x reads a path as a regex only with this prefix (Kong 3.0.0 changelog, Kong/kong#9027). */
const REGEX_PREFIX = '~';
// The 2.x → 3.x heuristic of Kong (kong/db/migrations/migrate_path_280_300.lua, is_not_regex)
// and of decK (convert/convert.go, utils.IsPathRegexLike): a path is plain when every character
// is in this set, a regex otherwise. A path already starting with `~` is left alone by both.
const PLAIN_PATH = /^[a-zA-Z0-9._~/%-]*$/;
function isRegexLike(path) {
    return !path.startsWith(REGEX_PREFIX) && !PLAIN_PATH.test(path);
}
/** The regex of a path as 3.x will see it: after `~`, or a 2.x path the migration will prefix. */
function regexOf(path) {
    if (path.startsWith(REGEX_PREFIX))
        return path.slice(REGEX_PREFIX.length);
    return isRegexLike(path) ? path : undefined;
}
// Kong/kong 3.4.2 kong/db/migrations/migrate_path_280_300.lua, normalize_regex: a percent-encoded
// reserved character stays encoded (upper-cased), a regex metacharacter becomes its escape, any
// other byte is decoded.
const RESERVED = new Set([0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2f, 0x3a, 0x3b, 0x3d, 0x3f, 0x40, 0x5b, 0x5d]);
const META_ESCAPES = { 0x2e: '\\.', 0x5e: '\\^', 0x2d: '\\-', 0x7b: '\\{', 0x7d: '\\}', 0x5c: '\\\\', 0x7c: '\\|' };
/**
 * What Kong 3.x DB-less makes of a regex path in a 1.1/2.1 file when it loads it
 * (kong/db/declarative/migrations/route_path.lua → migrate_path_280_300): `~` and the
 * percent-decoded pattern.
 */
function kongMigratedRegex(path) {
    const decoded = path.includes('%')
        ? path.replace(/%([0-9a-fA-F]{2})/g, (whole, hex) => {
            const code = parseInt(hex, 16);
            return RESERVED.has(code) ? whole.toUpperCase() : (META_ESCAPES[code] ?? String.fromCharCode(code));
        })
        : path;
    return `${REGEX_PREFIX}${decoded}`;
}
/**
 * Constructs PCRE (the 2.x router) accepts and the Rust `regex` crate behind atc-router (the
 * 3.x `traditional_compatible` and `expressions` flavors) rejects: look-around, backreferences,
 * atomic groups and possessive quantifiers (facts §6 item 2, Kong/kong#9495). A small scanner
 * rather than a regex, so escapes and character classes do not cause false alarms.
 */
function unsupportedConstructs(pattern) {
    const found = new Set();
    let inClass = false;
    let afterQuantifier = false;
    for (let i = 0; i < pattern.length; i++) {
        const char = pattern[i];
        if (char === '\\') {
            const next = pattern.slice(i + 1, i + 3);
            if (!inClass && /^([1-9]|k[<{']|g[{\d-])/.test(next))
                found.add('backreference');
            i++;
            afterQuantifier = false;
            continue;
        }
        if (inClass) {
            if (char === ']')
                inClass = false;
            continue;
        }
        if (char === '[') {
            inClass = true;
            // A `]` right after `[` or `[^` is a literal member, not the end of the class.
            if (pattern[i + 1] === '^')
                i++;
            if (pattern[i + 1] === ']')
                i++;
            afterQuantifier = false;
            continue;
        }
        if (char === '(') {
            const group = pattern.slice(i + 1, i + 4);
            if (/^\?[=!]/.test(group))
                found.add('look-ahead');
            else if (/^\?<[=!]/.test(group))
                found.add('look-behind');
            else if (group.startsWith('?>'))
                found.add('atomic group');
            else if (group.startsWith('?P='))
                found.add('backreference');
            // The `?` opening a group is not a quantifier.
            if (group.startsWith('?'))
                i++;
            afterQuantifier = false;
            continue;
        }
        if (char === '+' && afterQuantifier)
            found.add('possessive quantifier');
        afterQuantifier = char === '*' || char === '+' || char === '?' || (char === '}' && /\{\d+(,\d*)?$/.test(pattern.slice(0, i)));
    }
    return [...found];
}

;// CONCATENATED MODULE: ./build/changelog/impact/kic-entities.js



// Kong Ingress Controller's own resources (configuration.konghq.com) and the Kubernetes ones
// it turns into Kong routes. Other kinds in the same file (Deployments, Services …) are skipped.
const PLUGIN_KINDS = new Set(['KongPlugin', 'KongClusterPlugin']);
const ROUTE_KINDS = new Set(['Ingress', 'HTTPRoute']);
const OTHER_KIC_KINDS = new Set([
    'KongIngress', 'KongConsumer', 'KongConsumerGroup', 'TCPIngress', 'UDPIngress', 'KongUpstreamPolicy', 'KongVault',
    'KongCustomEntity', 'KongLicense', 'GRPCRoute', 'TCPRoute', 'UDPRoute', 'TLSRoute', 'IngressClassParameters',
]);
// The controller's own Ingress regex marker, replaced by Kong's `~` (KIC 2.7.0+; Kong/kubernetes-ingress-controller
// v3.4.0 internal/dataplane/translator/subtranslator/subtranslator_vars.go ControllerPathRegexPrefix), and the
// annotation that overrides it per Ingress (internal/annotations/annotations.go RegexPrefixKey).
const CONTROLLER_REGEX_PREFIX = '/~';
const REGEX_PREFIX_ANNOTATION = 'konghq.com/regex-prefix';
// KIC's default --ingress-class.
const DEFAULT_INGRESS_CLASS = 'kong';
// The controller's image (Kong/charts charts/kong/values.yaml ingressController.image.repository).
const CONTROLLER_IMAGE = /(^|\/)kubernetes-ingress-controller$/;
/** The Kubernetes kinds of a file's documents, when it is a file of Kubernetes resources. */
function kindsOf(documents) {
    const kinds = documents.map((document) => ((0,values/* isRecord */.u)(document) && typeof document['apiVersion'] === 'string' ? document['kind'] : undefined));
    return kinds.every((kind) => typeof kind === 'string') ? kinds : [];
}
/**
 * Kong Ingress Controller resources as entities: KongPlugin / KongClusterPlugin configs (what
 * the controller sends to Kong, so the plugin rules apply), Ingress paths and HTTPRoute regex
 * paths as Kong gets them, and the controller's own containers (its version). A file of
 * Kubernetes resources with none of KIC's kinds and no controller is refused, naming the kinds
 * it holds.
 */
function kicEntities(file, yaml, documents, kinds, envPlaceholders, input) {
    const controllers = controllersIn(file, documents, kinds, yaml.documentLines);
    if (controllers.length === 0 && !kinds.some((kind) => PLUGIN_KINDS.has(kind) || ROUTE_KINDS.has(kind) || OTHER_KIC_KINDS.has(kind))) {
        const named = [...new Set(kinds)].filter((kind) => /^[A-Za-z]{1,60}$/.test(kind)).join(', ');
        throw (0,errors/* inputError */.Xu)(input, `${file}: Kubernetes resources (${named}) with no Kong Ingress Controller kind (KongPlugin, KongClusterPlugin, Ingress, HTTPRoute …), no ingress controller Deployment and no Kong declarative configuration`);
    }
    const documentLines = yaml.documentLines;
    const plugins = [];
    const routes = [];
    documents.forEach((document, index) => {
        if (!(0,values/* isRecord */.u)(document))
            return;
        const kind = kinds[index];
        const at = `${file}:${documentLines[index] ?? '?'}`;
        const name = (0,values/* isRecord */.u)(document['metadata']) ? String(document['metadata']['name'] ?? '') : '';
        if (PLUGIN_KINDS.has(kind)) {
            const config = document['config'];
            plugins.push({ where: at, name: String(document['plugin'] ?? ''), config: (0,values/* isRecord */.u)(config) ? config : {} });
        }
        const spec = (0,values/* isRecord */.u)(document['spec']) ? document['spec'] : {};
        if (kind === 'Ingress') {
            const annotations = annotationsOf(document);
            const prefix = annotations[REGEX_PREFIX_ANNOTATION] ?? CONTROLLER_REGEX_PREFIX;
            const legacy = legacyRegexDetection(documents, kinds, ingressClassOf(spec, annotations), file, yaml.documentLines);
            for (const rule of (0,values/* recordsIn */.Q)(spec['rules'])) {
                const http = (0,values/* isRecord */.u)(rule['http']) ? rule['http'] : {};
                const paths = pathsOf(file, yaml, http['paths'], (entry) => {
                    const path = entry['path'];
                    if (typeof path !== 'string')
                        return undefined;
                    // What Kong gets: the controller's marker becomes Kong's `~`.
                    return path.startsWith(prefix) ? `${REGEX_PREFIX}${path.slice(prefix.length)}` : path;
                });
                routes.push({ where: `${at} (Ingress ${name})`, placement: 'ingress', paths, fields: rule, ...(legacy === undefined ? {} : { legacyRegexDetection: legacy }) });
            }
        }
        if (kind === 'HTTPRoute') {
            for (const rule of (0,values/* recordsIn */.Q)(spec['rules'])) {
                // The controller gives a RegularExpression match Kong's `~` itself on Kong 3.x
                // (v2.12.0 internal/dataplane/parser/translate_httproute.go); other match types are no regex.
                const paths = pathsOf(file, yaml, rule['matches'], (match) => {
                    const path = (0,values/* isRecord */.u)(match['path']) ? match['path'] : {};
                    return path['type'] === 'RegularExpression' && typeof path['value'] === 'string' ? `${REGEX_PREFIX}${path['value']}` : undefined;
                });
                if (paths.length > 0)
                    routes.push({ where: `${at} (HTTPRoute ${name})`, placement: 'httproute', paths, fields: rule });
            }
        }
    });
    return { source: 'kic', file, formatVersion: undefined, routes, plugins, services: [], envPlaceholders, controllers };
}
/** The paths of a list (Ingress paths, HTTPRoute matches), each at its own line. */
function pathsOf(file, yaml, list, read) {
    if (!Array.isArray(list))
        return [];
    const lines = yaml.itemLines(list);
    return list.flatMap((entry, index) => {
        const path = (0,values/* isRecord */.u)(entry) ? read(entry) : undefined;
        return path === undefined ? [] : [{ path, where: `${file}:${lines?.[index] ?? '?'}` }];
    });
}
function annotationsOf(document) {
    const metadata = (0,values/* isRecord */.u)(document['metadata']) ? document['metadata'] : {};
    const annotations = (0,values/* isRecord */.u)(metadata['annotations']) ? metadata['annotations'] : {};
    return Object.fromEntries(Object.entries(annotations).filter((entry) => typeof entry[1] === 'string'));
}
function ingressClassOf(spec, annotations) {
    const named = spec['ingressClassName'];
    return typeof named === 'string' ? named : (annotations['kubernetes.io/ingress.class'] ?? DEFAULT_INGRESS_CLASS);
}
/**
 * Where the 2.x regex heuristic is on for an Ingress class: its IngressClass's parameters name
 * an IngressClassParameters with `enableLegacyRegexDetection: true` (KIC 2.6.0+; v3.4.0
 * internal/store/store.go GetIngressClassParametersV1Alpha1). Only what the same files hold.
 */
function legacyRegexDetection(documents, kinds, className, file, lines) {
    const named = (kind, name) => documents.findIndex((d, i) => kinds[i] === kind && (0,values/* isRecord */.u)(d) && (0,values/* isRecord */.u)(d['metadata']) && d['metadata']['name'] === name);
    const ingressClass = documents[named('IngressClass', className)];
    const spec = (0,values/* isRecord */.u)(ingressClass) && (0,values/* isRecord */.u)(ingressClass['spec']) ? ingressClass['spec'] : {};
    const parameters = (0,values/* isRecord */.u)(spec['parameters']) ? spec['parameters'] : {};
    if (parameters['kind'] !== 'IngressClassParameters' || typeof parameters['name'] !== 'string')
        return undefined;
    const index = named('IngressClassParameters', parameters['name']);
    const found = documents[index];
    if (!(0,values/* isRecord */.u)(found) || !(0,values/* isRecord */.u)(found['spec']) || found['spec']['enableLegacyRegexDetection'] !== true)
        return undefined;
    return `${file}:${lines[index] ?? '?'} (IngressClassParameters ${parameters['name']} of IngressClass ${className})`;
}
/**
 * The ingress controller containers of the file's Deployments (`helm template` or `kubectl get
 * deployment -o yaml` output; a `List` of them too), with the version their image tag names.
 */
function controllersIn(file, documents, kinds, lines) {
    return documents.flatMap((document, index) => {
        const items = kinds[index] === 'List' && (0,values/* isRecord */.u)(document) ? (0,values/* recordsIn */.Q)(document['items']) : [document];
        return items.flatMap((item) => {
            if (!(0,values/* isRecord */.u)(item) || item['kind'] !== 'Deployment')
                return [];
            const template = (0,values/* isRecord */.u)(item['spec']) && (0,values/* isRecord */.u)(item['spec']['template']) ? item['spec']['template'] : {};
            const pod = (0,values/* isRecord */.u)(template['spec']) ? template['spec'] : {};
            return (0,values/* recordsIn */.Q)(pod['containers']).flatMap((container) => {
                const image = container['image'];
                if (typeof image !== 'string')
                    return [];
                const { repository, tag } = splitImage(image);
                if (!CONTROLLER_IMAGE.test(repository))
                    return [];
                const version = /^v?(\d+)\.(\d+)(?:[.-]|$)/.exec(tag ?? '');
                const name = (0,values/* isRecord */.u)(item['metadata']) ? String(item['metadata']['name'] ?? '') : '';
                return [{ where: `${file}:${lines[index] ?? '?'} (Deployment ${name}, container ${String(container['name'] ?? '')})`, image, version: version === null ? undefined : `${version[1]}.${version[2]}` }];
            });
        });
    });
}
/** `[registry[:port]/]path[:tag][@digest]`: the tag is after the last `:` that follows the last `/`. */
function splitImage(image) {
    const name = image.split('@')[0];
    const colon = name.lastIndexOf(':');
    return colon > name.lastIndexOf('/') ? { repository: name.slice(0, colon), tag: name.slice(colon + 1) } : { repository: name, tag: undefined };
}

;// CONCATENATED MODULE: ./build/changelog/impact/entities.js





/** The input name errors about the declarative file point at. */
const DECLARATIVE_INPUT = 'declarative-config';
function adminApiEntities(inventory) {
    return {
        source: 'admin-api',
        file: undefined,
        formatVersion: undefined,
        routes: inventory.routes.map((route) => {
            const where = `route ${route.name ?? route.id}`;
            return { where, placement: 'admin-api', paths: (route.paths ?? []).map((path) => ({ path, where })), fields: route };
        }),
        plugins: inventory.plugins.map((plugin) => ({
            where: `plugin ${plugin.name} ${plugin.id}`,
            name: plugin.name,
            config: plugin.config,
        })),
        services: inventory.services.map((service) => ({ where: `service ${service.name ?? service.id}`, fields: service })),
        envPlaceholders: [],
    };
}
// Top-level keys of Kong's declarative format (kong/db/schema/others/declarative_config.lua)
// and decK's file format (`_info`, `_workspace`, `_plugin_configs`, `_konnect`).
const DECLARATIVE_KEYS = new Set([
    '_format_version', '_transform', '_info', '_workspace', '_plugin_configs', '_konnect', 'services', 'routes', 'plugins',
    'consumers', 'consumer_groups', 'upstreams', 'targets', 'certificates', 'ca_certificates', 'snis', 'vaults', 'keys', 'key_sets',
    'filter_chains', 'partials', 'licenses', 'rbac_roles', 'custom_entities',
]);
/**
 * Reads a decK / DB-less file (YAML, or JSON) or a file of Kong Ingress Controller resources.
 * Routes sit under `services[].routes[]` and at the top level `routes[]`; plugins at the top
 * level and under services, routes, consumers and consumer groups (decK's file format). Every
 * entity keeps the file:line it starts on. Anything else is refused, naming what it is.
 */
function declarativeEntities(file, text) {
    const templates = replaceDeckTemplates(text);
    const yaml = parse(file, templates.text);
    const documents = yaml.documents.filter((document) => document !== null);
    if (documents.length === 0)
        throw (0,errors/* inputError */.Xu)(DECLARATIVE_INPUT, `${file}: holds no document (an empty file)`);
    const kinds = kindsOf(documents);
    if (kinds.length > 0)
        return kicEntities(file, yaml, documents, kinds, templates.envNames, DECLARATIVE_INPUT);
    const roots = documents.map((document, index) => {
        if (!(0,values/* isRecord */.u)(document) || !Object.keys(document).some((key) => DECLARATIVE_KEYS.has(key))) {
            throw (0,errors/* inputError */.Xu)(DECLARATIVE_INPUT, `${file}: document ${index + 1} is ${describe(document)}, not Kong declarative configuration (_format_version, services, routes, plugins …) nor Kong Ingress Controller resources`);
        }
        return document;
    });
    return readDeclarative(file, yaml, roots, templates.envNames);
}
function parse(file, text) {
    try {
        return (0,yaml_reader/* readYaml */.gM)(text);
    }
    catch (error) {
        if (error instanceof yaml_reader/* YamlSyntaxError */.nN)
            throw (0,errors/* inputError */.Xu)(DECLARATIVE_INPUT, `${file}: not valid YAML or JSON at ${error.message} (the line is not shown: declarative files hold credentials)`);
        throw error;
    }
}
function readDeclarative(file, yaml, roots, envPlaceholders) {
    const routes = [];
    const plugins = [];
    const services = [];
    let formatVersion;
    // Every entity is a list item: its line is its item's line, worked out only when a finding
    // or a summary asks (a file of tens of thousands of routes has few findings).
    const at = (list, index) => `${file}:${yaml.itemLine(list, index) ?? '?'}`;
    class Entity {
        list;
        index;
        fields;
        constructor(list, index, fields) {
            this.list = list;
            this.index = index;
            this.fields = fields;
        }
        get where() {
            return at(this.list, this.index);
        }
    }
    class Plugin extends Entity {
        name = String(this.fields['name'] ?? '');
        config = (0,values/* isRecord */.u)(this.fields['config']) ? this.fields['config'] : {};
    }
    class Route extends Entity {
        placement;
        cachedPaths;
        constructor(list, index, fields, placement) {
            super(list, index, fields);
            this.placement = placement;
        }
        get paths() {
            const paths = this.fields['paths'];
            this.cachedPaths ??= Array.isArray(paths)
                ? paths.flatMap((path, index) => (typeof path === 'string' ? [{ path, get where() { return at(paths, index); } }] : []))
                : [];
            return this.cachedPaths;
        }
    }
    const each = (node, visit) => {
        if (Array.isArray(node))
            node.forEach((item, index) => (0,values/* isRecord */.u)(item) && visit(node, index, item));
    };
    const readPlugins = (owner) => each(owner['plugins'], (list, index, item) => plugins.push(new Plugin(list, index, item)));
    const readRoutes = (owner, placement) => each(owner['routes'], (list, index, item) => {
        routes.push(new Route(list, index, item, placement));
        readPlugins(item);
    });
    for (const root of roots) {
        const format = root['_format_version'];
        if (format !== undefined && format !== null)
            formatVersion = typeof format === 'number' ? format.toFixed(1) : String(format);
        each(root['services'], (list, index, service) => {
            services.push(new Entity(list, index, service));
            readRoutes(service, 'under-service');
            readPlugins(service);
        });
        readRoutes(root, 'top-level');
        readPlugins(root);
        for (const owner of [...(0,values/* recordsIn */.Q)(root['consumers']), ...(0,values/* recordsIn */.Q)(root['consumer_groups'])])
            readPlugins(owner);
    }
    return { source: 'declarative', file, formatVersion, routes, plugins, services, envPlaceholders };
}
function describe(document) {
    if (Array.isArray(document))
        return 'a list';
    if (!(0,values/* isRecord */.u)(document))
        return `a single ${typeof document} value`;
    const keys = Object.keys(document).slice(0, 5).filter((key) => /^[A-Za-z0-9_.-]{1,40}$/.test(key));
    return keys.length > 0 ? `a mapping with the keys ${keys.join(', ')}` : 'a mapping';
}

// EXTERNAL MODULE: ./build/changelog/kong-conf.js + 1 modules
var kong_conf = __nccwpck_require__(3052);
;// CONCATENATED MODULE: ./build/changelog/impact/kong-conf-where.js
/** file:line of a setting: its own file when it came from kong-env, else the kong.conf's. */
function settingWhere(conf, setting) {
    return `${setting.file ?? conf.file}:${setting.line}`;
}

;// CONCATENATED MODULE: ./build/changelog/impact/enterprise-removed-feature.js




// Kong Enterprise 3.5.0.0's changelog (developer.konghq.com app/_data/changelogs/gateway.json,
// kong-ee, deprecation): "Removed support for Developer Portal and Vitals, which were deprecated
// in Kong 3.4." A deployment shows it uses them by their kong.conf settings (`portal*`,
// `vitals*`, also as KONG_* variables) or by `portal`/`vitals` in the Admin API's configuration.
const FEATURES = [
    { name: 'portal', prefix: /^portal(_|$)/, title: 'Dev Portal' },
    { name: 'vitals', prefix: /^vitals(_|$)/, title: 'Vitals' },
];
const ON = new Set(['on', 'true', '1', 'yes']);
const enterpriseRemovedFeature = {
    id: 'enterprise-removed-feature',
    check(context) {
        if ((0,kong_version/* editionOf */.yU)(context.to) !== 'enterprise' || !(0,crossing/* crosses */.N)(context, '3.5.0.0'))
            return [];
        const found = [];
        for (const feature of FEATURES) {
            const conf = context.kongConf;
            for (const [name, setting] of conf ? [...conf.settings].filter(([key]) => feature.prefix.test(key)) : []) {
                const enabled = name === feature.name && ON.has(setting.value.toLowerCase());
                if (name === feature.name && !enabled)
                    continue;
                found.push({
                    rule: 'enterprise-removed-feature',
                    severity: enabled ? 'error' : 'warning',
                    title: enabled ? `${feature.title} is enabled and Kong Enterprise 3.5 removed it` : `\`${name}\` belongs to ${feature.title}, which Kong Enterprise 3.5 removed`,
                    detail: `${(0,kong_conf/* describeSetting */.w5)(name, setting)}: Kong Enterprise 3.5.0.0 removed ${feature.title} (deprecated in 3.4); the setting is no longer read.`,
                    where: settingWhere(conf, setting),
                    remedy: enabled
                        ? `Plan a replacement for ${feature.title} before crossing 3.5 (stay on 3.4 LTS until then), and remove its settings.`
                        : `Remove \`${name}\` (and its KONG_${name.toUpperCase()} variable) once on the target.`,
                });
            }
            if (context.adminConfiguration?.[feature.name] === true) {
                found.push({
                    rule: 'enterprise-removed-feature',
                    severity: 'error',
                    title: `${feature.title} is enabled on the running cluster and Kong Enterprise 3.5 removed it`,
                    detail: `GET / reports \`${feature.name}: true\` in its configuration; Kong Enterprise 3.5.0.0 removed ${feature.title} (deprecated in 3.4).`,
                    where: 'admin-api',
                    remedy: `Plan a replacement for ${feature.title} before crossing 3.5 (stay on 3.4 LTS until then).`,
                });
            }
        }
        return found;
    },
};

;// CONCATENATED MODULE: ./build/changelog/impact/kic-compatibility.js
/**
 * Kong's compatibility table of Kong Ingress Controller and Kong Gateway
 * (https://developer.konghq.com/kubernetes-ingress-controller/version-compatibility/, source
 * Kong/developer.konghq.com app/kubernetes-ingress-controller/version-compatibility.md at
 * 0963c02a): per gateway minor, the controller minors that run with it. The table lists the
 * controller versions Kong supports (2.12 and later); an older controller is in no row.
 */
const KIC_COMPATIBILITY_SOURCE = 'https://developer.konghq.com/kubernetes-ingress-controller/version-compatibility/';
const ALL = ['2.12', '3.0', '3.1', '3.2', '3.3', '3.4', '3.5'];
const KIC_FOR_GATEWAY = {
    '2.8': ['2.12'],
    ...Object.fromEntries(['3.4', '3.5', '3.6', '3.7', '3.8', '3.9', '3.10', '3.11', '3.12'].map((gateway) => [gateway, ALL])),
};
const NEWEST_KIC = ALL[ALL.length - 1];
const minorOf = (version) => `${version.major}.${version.minor}`;
const compareMinor = (a, b) => {
    const [am, an] = a.split('.').map(Number);
    const [bm, bn] = b.split('.').map(Number);
    return am - bm || an - bn;
};
/**
 * The controller (read from the Deployments given to the plan) must run with the gateway at
 * both ends of the upgrade: the old gateway until it is replaced, the new one after. A pair
 * outside the table is an error for the target; the remedy names the controller versions that
 * run with both ends, to upgrade the controller to first.
 */
const kicCompatibility = {
    id: 'kic-compatibility',
    check(context) {
        const controllers = context.entities.flatMap((set) => set.controllers ?? []);
        return controllers.flatMap((controller) => judge(controller, context.from, context.to));
    },
};
function judge(controller, from, to) {
    const base = { rule: 'kic-compatibility', where: controller.where };
    const target = minorOf(to);
    const current = minorOf(from);
    const targetRow = KIC_FOR_GATEWAY[target];
    const kic = controller.version;
    if (kic === undefined) {
        return [{ ...base, severity: 'warning', title: `Kong Ingress Controller image "${controller.image}" names no version`, detail: `${controller.where}: its tag is not a version, so its compatibility with Kong Gateway ${target} cannot be checked against Kong's table (${KIC_COMPATIBILITY_SOURCE}).`, remedy: 'Pin the controller image to a version tag, then plan again.' }];
    }
    if (targetRow === undefined) {
        return [{ ...base, severity: 'warning', title: `Kong's compatibility table does not list Kong Gateway ${target}`, detail: `${controller.where}: KIC ${kic}; the table (${KIC_COMPATIBILITY_SOURCE}) lists Kong Gateway ${Object.keys(KIC_FOR_GATEWAY).join(', ')}.`, remedy: `Check the controller's release notes for Kong Gateway ${target} before upgrading.` }];
    }
    const currentRow = KIC_FOR_GATEWAY[current];
    if (targetRow.includes(kic)) {
        if (currentRow === undefined || currentRow.includes(kic))
            return [];
        return [{ ...base, severity: 'warning', title: `KIC ${kic} with Kong Gateway ${current} is already outside Kong's compatibility table`, detail: `${controller.where}: Kong Gateway ${current} runs with KIC ${currentRow.join(', ')} (${KIC_COMPATIBILITY_SOURCE}); KIC ${kic} runs with ${target}, the target.`, remedy: 'Upgrade the gateway soon after this controller, or keep the controller at a version the current gateway supports until then.' }];
    }
    if (compareMinor(kic, NEWEST_KIC) > 0) {
        return [{ ...base, severity: 'warning', title: `KIC ${kic} is newer than Kong's compatibility table`, detail: `${controller.where}: the table (${KIC_COMPATIBILITY_SOURCE}) knows KIC up to ${NEWEST_KIC}.`, remedy: `Check KIC ${kic}'s release notes for Kong Gateway ${target}.` }];
    }
    // Every row of the table shares a controller version with every other (2.12), so one exists.
    const both = currentRow === undefined ? targetRow : targetRow.filter((version) => currentRow.includes(version));
    return [
        {
            ...base,
            severity: 'error',
            title: `KIC ${kic} does not run with Kong Gateway ${target}`,
            detail: `${controller.where}: image ${controller.image}. Kong's compatibility table (${KIC_COMPATIBILITY_SOURCE}) gives Kong Gateway ${target} KIC ${targetRow.join(', ')}.`,
            remedy: currentRow === undefined
                ? `Upgrade the controller to KIC ${both.join(' or ')} with the gateway (the table does not list Kong Gateway ${current}).`
                : `Upgrade the controller to KIC ${both.join(' or ')} before the gateway: it runs with Kong Gateway ${current} and ${target}.`,
        },
    ];
}

;// CONCATENATED MODULE: ./build/changelog/impact/kong-conf-default-changed.js


// Used when no kong.conf.default of both ends is at hand (Enterprise, or no data for a line).
// Read from the shared kong.conf.default files 2.8.0 / 3.0.0 / 3.9.3 (the first three) and
// changelog-and-admin-api.md §A.4 (status_listen, Kong/kong#12304).
const NOTABLE = [
    { name: 'worker_consistency', from: 'strict', to: 'eventual', appliesFrom: '3.0.0' },
    { name: 'lua_ssl_trusted_certificate', from: '', to: 'system', appliesFrom: '3.0.0' },
    { name: 'vaults', from: 'off', to: 'bundled', appliesFrom: '3.0.0' },
    { name: 'status_listen', from: 'off', to: '127.0.0.1:8007 reuseport backlog=16384', appliesFrom: '3.6.0' },
];
/**
 * A default that changes between the two ends, for a property the user's kong.conf leaves
 * unset: the node silently takes the new value. Without the user's kong.conf nothing can be
 * said; the plan's kong.conf diff lists the changes anyway.
 */
const kongConfDefaultChanged = {
    id: 'kong-conf-default-changed',
    check(context) {
        const conf = context.kongConf;
        if (!conf)
            return [];
        return changesOf(context)
            .filter((change) => !conf.settings.has(change.name))
            .map((change) => ({
            rule: 'kong-conf-default-changed',
            severity: 'warning',
            title: `Default of \`${change.name}\` changes and kong.conf relies on it`,
            detail: `\`${change.name}\` goes from ${shown(change.from)} to ${shown(change.to)}; ${conf.file} does not set it, so the node takes the new value unless a KONG_${change.name.toUpperCase()} variable sets it.`,
            where: conf.file,
            remedy: `Decide whether the new value suits you; to keep the old behaviour set \`${change.name} = ${change.from}\`.`,
        }));
    },
};
function changesOf(context) {
    const defaults = context.kongConfDefaults;
    if (defaults)
        return (0,kong_conf/* diffKongConf */.py)(defaults.from, defaults.to).defaultChanged;
    return NOTABLE.filter((change) => (0,crossing/* crosses */.N)(context, change.appliesFrom));
}
function shown(value) {
    return value === '' ? '(empty)' : `\`${value}\``;
}

;// CONCATENATED MODULE: ./build/changelog/impact/kong-conf-invalid-value.js



// Values the target refuses to start with. Facts: upgrade-paths-helm-operator-deck.md §1.9
// (`database = cassandra` rejected from 3.4.0) and §1.2 / §1.6 (`pg_ssl_version = tlsv1`
// invalid on 3.x, use `tlsv1_2`); the Enterprise changelog (developer.konghq.com
// app/_data/changelogs/gateway.json, 3.2.1.0 breaking_change) dates the pg_ssl_version
// constraint, an Enterprise-only property, to 3.2.1.0.
const INVALID = [
    {
        name: 'database',
        invalid: (value) => value.toLowerCase() === 'cassandra',
        appliesFrom: '3.4.0',
        why: 'from 3.4.0 the datastore is PostgreSQL or none (`off`)',
        remedy: 'Move the data to PostgreSQL on the current version before upgrading (with Kong support for Enterprise).',
    },
    {
        name: 'pg_ssl_version',
        invalid: (value) => value.toLowerCase() === 'tlsv1',
        appliesFrom: '3.2.1',
        why: '3.x no longer accepts TLS 1.0 for PostgreSQL connections',
        remedy: 'Set `pg_ssl_version = tlsv1_2` (check the server accepts it) before the upgrade.',
    },
];
const kongConfInvalidValue = {
    id: 'kong-conf-invalid-value',
    check(context) {
        const conf = context.kongConf;
        if (!conf)
            return [];
        return INVALID.flatMap((entry) => {
            const setting = conf.settings.get(entry.name);
            if (!setting || !entry.invalid(setting.value) || !(0,crossing/* crosses */.N)(context, entry.appliesFrom))
                return [];
            return [
                {
                    rule: 'kong-conf-invalid-value',
                    severity: 'error',
                    title: `kong.conf value ${(0,kong_conf/* describeSetting */.w5)(entry.name, setting)} is invalid on the target`,
                    detail: `${entry.why} (changed in ${entry.appliesFrom}).`,
                    where: settingWhere(conf, setting),
                    remedy: entry.remedy,
                },
            ];
        });
    },
};

;// CONCATENATED MODULE: ./build/changelog/impact/kong-conf-removed-property.js



const named = (...names) => (name) => names.includes(name);
// Properties that go away even where no kong.conf.default can be compared (Enterprise-only
// ones, or a plan without the target's file). Facts: upgrade-paths-helm-operator-deck.md §1.6
// (2.8 → 3.4 kong.conf table) and §1.9, changelog-and-admin-api.md §A.4; the Enterprise
// changelog's breaking changes (developer.konghq.com app/_data/changelogs/gateway.json: the
// data-plane cache settings in 3.0.0.0, declarative_config_encryption_mode in 3.4.0.0).
//
// Then the properties Kong honoured without listing them in kong.conf.default: the keys of
// kong/templates/kong_defaults.lua and the deprecated aliases of kong/conf_loader/init.lua,
// compared between Kong/kong tags (2.8.5 → 3.0.0, 3.0.0 → 3.1.0, 3.2.0 → 3.3.0, 3.4.0 → 3.5.0).
const RETIRED = [
    { matches: (name) => name.startsWith('cassandra_'), appliesFrom: '3.4.0', why: 'Cassandra support ends in 3.4.0' },
    {
        matches: named('data_plane_config_cache_mode', 'data_plane_config_cache_path'),
        appliesFrom: '3.0.0',
        why: 'removed in 3.0.0.0: data planes keep their config in LMDB instead',
    },
    { matches: named('declarative_config_encryption_mode'), appliesFrom: '3.4.0', why: 'removed in 3.4.0.0 with LMDB encryption' },
    {
        // Kong Enterprise 3.4.0.0 changelog: "Renamed … `admin_api_uri` to `admin_gui_api_url`. The
        // old `admin_api_uri` property is considered deprecated and will be fully removed in a future version".
        matches: named('admin_api_uri'),
        appliesFrom: '3.4.0',
        why: 'renamed to `admin_gui_api_url` in 3.4.0.0 and deprecated: still read, to be removed in a later version',
        replacement: 'admin_gui_api_url',
        deprecated: true,
    },
    {
        matches: named('client_max_body_size'),
        appliesFrom: '3.0.0',
        why: 'the 2.x alias of `nginx_http_client_max_body_size` is gone in 3.0, so the proxy loses this request body limit (the default, 0, is unlimited)',
        replacement: 'nginx_http_client_max_body_size',
    },
    {
        matches: named('go_plugins_dir', 'go_pluginserver_exe'),
        appliesFrom: '3.0.0',
        why: 'the Go plugin server settings are gone in 3.0, so Go plugins stop loading',
        replacement: 'pluginserver_names',
    },
    {
        matches: named('upstream_keepalive', 'nginx_upstream_keepalive', 'nginx_http_upstream_keepalive'),
        appliesFrom: '3.0.0',
        why: 'this 2.x alias is gone in 3.0, so the upstream keepalive pool falls back to its default',
        replacement: 'upstream_keepalive_pool_size',
    },
    {
        matches: named('nginx_upstream_keepalive_requests', 'nginx_http_upstream_keepalive_requests'),
        appliesFrom: '3.0.0',
        why: 'this 2.x alias is gone in 3.0, so the limit falls back to its default',
        replacement: 'upstream_keepalive_max_requests',
    },
    {
        matches: named('nginx_upstream_keepalive_timeout', 'nginx_http_upstream_keepalive_timeout'),
        appliesFrom: '3.0.0',
        why: 'this 2.x alias is gone in 3.0, so the timeout falls back to its default',
        replacement: 'upstream_keepalive_idle_timeout',
    },
    { matches: named('nginx_optimizations'), appliesFrom: '3.0.0', why: 'gone in 3.0 (it had no effect since 2.0)' },
    { matches: named('cassandra_consistency'), appliesFrom: '3.0.0', why: 'gone in 3.0', replacement: 'cassandra_write_consistency' },
    { matches: named('legacy_hybrid_protocol'), appliesFrom: '3.1.0', why: 'gone in 3.1: data planes speak the new protocol only' },
    { matches: named('legacy_worker_events'), appliesFrom: '3.3.0', why: 'gone in 3.3' },
    { matches: named('privileged_agent'), appliesFrom: '3.5.0', why: 'gone in 3.5', replacement: 'dedicated_config_processing' },
];
/** A property set in the user's kong.conf that the target no longer knows. */
const kongConfRemovedProperty = {
    id: 'kong-conf-removed-property',
    check(context) {
        const conf = context.kongConf;
        if (!conf)
            return [];
        const removedInDefaults = removedByDefaults(context);
        return [...conf.settings].flatMap(([name, setting]) => {
            const retired = RETIRED.find((entry) => entry.matches(name) && (0,crossing/* crosses */.N)(context, entry.appliesFrom));
            const why = retired?.why ?? (removedInDefaults.has(name) ? 'not in the target kong.conf.default' : undefined);
            if (why === undefined)
                return [];
            return [
                {
                    rule: 'kong-conf-removed-property',
                    severity: 'warning',
                    title: retired?.deprecated ? `kong.conf sets \`${name}\`, deprecated on the target` : `kong.conf sets \`${name}\`, which the target no longer has`,
                    detail: `${(0,kong_conf/* describeSetting */.w5)(name, setting)}: ${why}.`,
                    where: settingWhere(conf, setting),
                    remedy: retired?.replacement
                        ? `Move the value to \`${retired.replacement}\` and remove \`${name}\` (and its KONG_${name.toUpperCase()} variable, if any).`
                        : `Remove \`${name}\` (and its KONG_${name.toUpperCase()} variable, if any) once on the target.`,
                },
            ];
        });
    },
};
function removedByDefaults(context) {
    const defaults = context.kongConfDefaults;
    if (!defaults)
        return new Set();
    return new Set((0,kong_conf/* diffKongConf */.py)(defaults.from, defaults.to).removed.map((entry) => entry.name));
}

;// CONCATENATED MODULE: ./build/changelog/impact/lts-field-renames.js


// What `deck file convert --from 3.4 --to 3.10` (decK 1.51 or later) rewrites, per
// developer.konghq.com deck/file/convert ("3.4 to 3.10") and facts
// upgrade-paths-helm-operator-deck.md §5.3: Redis addresses of every plugin with Redis
// settings, the AI plugins' upstream path, AI Rate Limiting Advanced's window sizes.
const RENAMES = [
    { evidence: (config) => setIn(config, ['redis', 'cluster_addresses']), change: '`redis.cluster_addresses` becomes `redis.cluster_nodes`' },
    { evidence: (config) => setIn(config, ['redis', 'sentinel_addresses']), change: '`redis.sentinel_addresses` becomes `redis.sentinel_nodes`' },
    { evidence: (config) => setIn(config, ['model', 'options', 'upstream_path']), change: '`model.options.upstream_path` becomes `upstream_url`' },
    {
        evidence: (config) => {
            const providers = config['llm_providers'];
            return Array.isArray(providers) && providers.some((p) => (0,values/* isRecord */.u)(p) && typeof p['window_size'] === 'number') ? 'config.llm_providers[].window_size' : undefined;
        },
        change: '`llm_providers[].window_size` becomes a list',
    },
];
const LTS_34_LAST = (0,kong_version/* parseKongVersion */.bo)('3.5.0');
const LTS_310 = (0,kong_version/* parseKongVersion */.bo)('3.10.0');
/** 3.4 → 3.10 (the LTS hop): plugin fields the target renamed, in a file or the Admin API. */
const ltsFieldRenames = {
    id: 'lts-field-renames',
    check(context) {
        if ((0,kong_version/* compareKongVersions */.QR)(context.from, LTS_34_LAST) >= 0 || (0,kong_version/* compareKongVersions */.QR)(context.to, LTS_310) < 0)
            return [];
        return context.entities.flatMap((set) => set.plugins.flatMap((plugin) => RENAMES.flatMap(({ evidence, change }) => {
            const found = evidence(plugin.config);
            return found === undefined ? [] : [finding(plugin, found, change, set.source === 'admin-api')];
        })));
    },
};
function finding(plugin, evidence, change, stored) {
    return {
        rule: 'lts-field-renames',
        severity: 'warning',
        title: `Plugin ${plugin.name}: ${change} on the way to 3.10`,
        detail: `${plugin.where}: ${evidence} is set.${stored ? ' Scripts and files that send the old field must change too.' : ''}`,
        where: plugin.where,
        remedy: 'Run `deck file convert --from 3.4 --to 3.10 --input-file kong-3.4.yaml --output-file kong-3.10.yaml` (decK 1.51 or later) on the file or a `deck gateway dump`, review it, then diff against the upgraded cluster.',
    };
}
function setIn(config, keys) {
    let node = config;
    for (const key of keys) {
        if (!(0,values/* isRecord */.u)(node))
            return undefined;
        node = node[key];
    }
    const set = node !== undefined && node !== null && node !== '' && !(Array.isArray(node) && node.length === 0);
    return set ? `config.${keys.join('.')}` : undefined;
}

;// CONCATENATED MODULE: ./build/changelog/impact/line-diff.js
/**
 * A line-level diff by longest common subsequence. Kong's nginx templates have a few hundred
 * lines, so the quadratic table is small; indentation is ignored because operators re-indent.
 */
function diffLines(oldText, newText) {
    const a = oldText.split(/\r?\n/).map((line) => line.trim());
    const b = newText.split(/\r?\n/).map((line) => line.trim());
    const width = b.length + 1;
    const lcs = new Uint32Array((a.length + 1) * width);
    for (let i = a.length - 1; i >= 0; i--) {
        for (let j = b.length - 1; j >= 0; j--) {
            lcs[i * width + j] =
                a[i] === b[j] ? lcs[(i + 1) * width + j + 1] + 1 : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
        }
    }
    const hunks = [];
    let i = 0;
    let j = 0;
    let anchor;
    while (i < a.length || j < b.length) {
        if (i < a.length && j < b.length && a[i] === b[j]) {
            if (a[i] !== '')
                anchor = a[i];
            i++;
            j++;
            continue;
        }
        const toLine = j + 1;
        const removed = [];
        const added = [];
        while (i < a.length || j < b.length) {
            if (i < a.length && j < b.length && a[i] === b[j])
                break;
            if (j < b.length && (i === a.length || lcs[i * width + j + 1] >= lcs[(i + 1) * width + j]))
                added.push(b[j++]);
            else
                removed.push(a[i++]);
        }
        hunks.push({ toLine, removed, added, anchor });
    }
    return hunks;
}

;// CONCATENATED MODULE: ./build/changelog/impact/nginx-template.js


/**
 * Which of Kong's templates a custom one replaces: the main one (`kong start --nginx-conf`,
 * with `events {}` and the `include 'nginx-kong.conf'` Kong's docs show), the stream block's,
 * or the http block's. Each is compared with its own default; a main template compared with
 * nginx_kong.lua reported every hunk of the wrong file.
 */
function templateKind(custom) {
    if (/^\s*events\s*\{/m.test(custom) || /^\s*include\s+['"]?nginx-kong(-stream)?\.conf/m.test(custom))
        return 'nginx.lua';
    if (/\bkong_stream\b|^\s*preread_by_lua_block/m.test(custom) && !/\bserver_name\s+kong\s*;/.test(custom))
        return 'nginx_kong_stream.lua';
    return 'nginx_kong.lua';
}
// What a main template must carry, known without Kong's files (Kong/kong kong/templates/nginx.lua):
// 3.0.0 to 3.3.x put the DB-less LMDB settings in it; 3.4.0 moved them to an include.
const MAIN_TEMPLATE_LINES = [
    { line: 'lmdb_environment_path ${{LMDB_ENVIRONMENT_PATH}};', from: '3.0.0', before: '3.4.0' },
    { line: "include 'nginx-inject.conf';", from: '3.4.0' },
];
/**
 * A custom nginx template replaces Kong's default one, so whatever Kong changed in its default
 * template between the two versions must be merged by hand (facts
 * upgrade-paths-helm-operator-deck.md §1.2, "Modified Nginx templates … must be carried
 * forward"). Each hunk of the defaults' diff the custom template does not reflect is reported;
 * without Kong's files (offline), a main template is still checked for the lines above.
 */
const nginxTemplate = {
    id: 'nginx-template',
    check(context) {
        const template = context.nginxTemplate;
        if (!template)
            return [];
        const customLines = template.custom.split(/\r?\n/).map((line) => line.trim());
        if (template.defaults === undefined)
            return builtInChecks(context, template.file, customLines);
        const present = new Set(customLines);
        return template.defaults.flatMap((defaults) => {
            const kept = new Set(defaults.to.split(/\r?\n/).map((line) => line.trim()));
            return diffLines(defaults.from, defaults.to)
                .filter((hunk) => !reflected(hunk, present, kept))
                .map((hunk) => {
                const anchorIndex = hunk.anchor === undefined ? -1 : customLines.indexOf(hunk.anchor);
                return {
                    rule: 'nginx-template',
                    severity: 'warning',
                    title: `Kong's default template ${defaults.name} changed at its line ${hunk.toLine}; the custom template lacks it`,
                    detail: [...hunk.removed.filter(Boolean).map((line) => `- ${line}`), ...hunk.added.filter(Boolean).map((line) => `+ ${line}`)].join('\n'),
                    where: anchorIndex >= 0 ? `${template.file}:${anchorIndex + 2}` : template.file,
                    remedy: 'Merge this change into the custom template (or drop the custom template if it no longer differs).',
                };
            });
        });
    },
};
function builtInChecks(context, file, customLines) {
    if (templateKind(customLines.join('\n')) !== 'nginx.lua')
        return [];
    const normalized = new Set(customLines.map((line) => line.replace(/\s+/g, ' ').replaceAll('"', "'")));
    return MAIN_TEMPLATE_LINES.filter((entry) => (0,crossing/* crosses */.N)(context, entry.from) && (entry.before === undefined || !(0,crossing/* crosses */.N)(context, entry.before)) && !normalized.has(entry.line.replace(/\s+/g, ' '))).map((entry) => ({
        rule: 'nginx-template',
        severity: 'warning',
        title: `The custom main template lacks \`${entry.line}\` (Kong ${entry.from}'s nginx.lua)`,
        detail: `From ${entry.from} Kong's main template carries this line; DB-less nodes need it for their LMDB settings.`,
        where: file,
        remedy: 'Add the line next to the other top-level directives, then compare the whole template with kong/templates/nginx.lua of the target.',
    }));
}
// Reflected: every line Kong added is there, and no line Kong removed is left over. Blank lines
// carry no meaning in an nginx template, and a line Kong only moved (still in its new template,
// `pid pids/nginx.pid;` in 3.x) is not a removal.
function reflected(hunk, present, kept) {
    const added = hunk.added.filter(Boolean);
    const removed = hunk.removed.filter((line) => line !== '' && !kept.has(line));
    if (added.length === 0 && removed.length === 0)
        return true;
    return added.every((line) => present.has(line)) && (added.length > 0 || removed.every((line) => !present.has(line)));
}

;// CONCATENATED MODULE: ./build/changelog/impact/plugin-changes.js

// Curated from Kong's 3.0.0 changelog (shared oss/CHANGELOG.md, "Plugins" breaking changes),
// facts upgrade-paths-helm-operator-deck.md §6 item 8 and §5.3 (what decK's 2.8 → 3.4 convert
// rewrites; Canary is Enterprise).
const CHANGES = [
    {
        plugins: ['acl', 'ip-restriction', 'bot-detection', 'canary'],
        appliesFrom: '3.0.0',
        kind: 'removed-field',
        evidence: (config) => setFields(config, ['blacklist', 'whitelist']),
        title: 'uses `blacklist`/`whitelist`, removed in 3.0',
        remedy: 'Move the lists to `config.deny` / `config.allow` (decK: `deck file convert --from 2.8 --to 3.4`).',
    },
    {
        plugins: ['pre-function', 'post-function'],
        appliesFrom: '3.0.0',
        kind: 'removed-field',
        evidence: (config) => setFields(config, ['functions']),
        title: 'uses `config.functions`, removed in 3.0',
        remedy: 'Move the functions to `config.access` (the phase `functions` ran in).',
    },
    {
        plugins: ['aws-lambda'],
        appliesFrom: '3.0.0',
        kind: 'removed-field',
        evidence: (config) => setFields(config, ['proxy_scheme']),
        title: 'sets `config.proxy_scheme`, removed in 3.0',
        remedy: 'Remove `proxy_scheme` from the config.',
    },
    {
        plugins: ['aws-lambda'],
        appliesFrom: '3.0.0',
        kind: 'behaviour',
        evidence: (config) => (isUnset(config['aws_region']) ? 'config.aws_region is not set' : undefined),
        title: 'needs a region from 3.0',
        remedy: 'Set `config.aws_region`, or provide the region through the environment of every node.',
    },
    {
        plugins: ['http-log'],
        appliesFrom: '3.0.0',
        kind: 'removed-field',
        evidence: (config) => {
            const headers = config['headers'];
            const listed = isRecord(headers) ? Object.keys(headers).filter((name) => Array.isArray(headers[name])) : [];
            return listed.length > 0 ? `config.headers ${listed.join(', ')} hold lists` : undefined;
        },
        title: 'gives header values as lists; 3.0 takes one string per header',
        remedy: 'Give each header in `config.headers` a single string value.',
    },
    {
        plugins: ['prometheus'],
        appliesFrom: '3.0.0',
        kind: 'behaviour',
        evidence: () => 'plugin enabled',
        title: 'exports reworked metrics from 3.0',
        remedy: 'Update dashboards and alerts for the renamed and merged metrics (e.g. `http_requests_total`, the split latency histograms), and turn on the status-code, latency, bandwidth and upstream-health metrics you need; they are off by default.',
    },
    {
        plugins: ['statsd'],
        appliesFrom: '3.0.0',
        kind: 'behaviour',
        evidence: () => 'plugin enabled',
        title: 'renames service metrics from 3.0',
        remedy: 'Update dashboards and alerts: service metrics gain a `service.` segment in their names.',
    },
];
const pluginChanges = {
    id: 'plugin-changes',
    check(context) {
        const crossed = CHANGES.filter((change) => (0,crossing/* crosses */.N)(context, change.appliesFrom));
        return context.entities.flatMap((set) => set.plugins.flatMap((plugin) => crossed.filter((change) => change.plugins.includes(plugin.name)).flatMap((change) => impactOf(change, plugin, set.source))));
    },
};
function impactOf(change, plugin, source) {
    const evidence = change.evidence(plugin.config);
    if (evidence === undefined)
        return [];
    // A file (or a KIC resource) is loaded as written, so a removed field stops it loading.
    // Stored configs go through Kong's plugin migrations, which convert them where the plugin
    // ships one (facts plugin-migrations.txt); what remains is tooling that still sends the old field.
    const severity = change.kind === 'removed-field' && source !== 'admin-api' ? 'error' : 'warning';
    const stored = change.kind === 'removed-field' && source === 'admin-api'
        ? ' Stored configs are converted by the plugin migrations where they exist; scripts and files that still send the field will be rejected.'
        : '';
    return [
        {
            rule: 'plugin-changes',
            severity,
            title: `Plugin ${plugin.name} ${change.title}`,
            detail: `${plugin.where}: ${evidence} (changed in ${change.appliesFrom}).${stored}`,
            where: plugin.where,
            remedy: change.remedy,
        },
    ];
}
function setFields(config, names) {
    const set = names.filter((name) => !isUnset(config[name]));
    return set.length > 0 ? set.map((name) => `config.${name}`).join(', ') + ' set' : undefined;
}
function isUnset(value) {
    return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
}
function isRecord(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

;// CONCATENATED MODULE: ./build/changelog/impact/postgres-version.js

/**
 * The database server against what the target supports: below the minimum it runs on at all is
 * an error, outside the tested list (below it too) a warning (facts
 * upgrade-paths-helm-operator-deck.md §2.1: tested lists per line, `postgres: "9.5+"` as the
 * runtime minimum, and "warn (don't fail) below the minimum of the tested range").
 */
const postgresVersion = {
    id: 'postgres-version',
    check(context) {
        const postgres = context.postgres;
        if (!postgres)
            return [];
        const { tested, min } = postgres.supported;
        const target = (0,kong_version/* formatKongVersion */.Xz)(context.to);
        const server = serverNumber(postgres.serverVersion);
        const finding = (severity, title, detail, remedy) => [
            { rule: 'postgres-version', severity, title, detail, where: 'database', remedy },
        ];
        if (server === undefined) {
            return finding('warning', 'PostgreSQL server version not understood', `"${postgres.serverVersion}" does not start with a version number, so support by Kong ${target} was not checked.`, 'Check the server version against the support table by hand.');
        }
        const testedList = [...tested].sort((a, b) => a - b).join(', ');
        if (server < min) {
            return finding('error', `PostgreSQL ${server} is older than Kong ${target} supports`, `Kong ${target} needs PostgreSQL ${min} or newer; tested: ${testedList}.`, `Upgrade PostgreSQL to a tested version (${testedList}) before upgrading Kong.`);
        }
        if (!tested.includes(server)) {
            return finding('warning', server < Math.min(...tested) ? `PostgreSQL ${server} is below the versions Kong ${target} is tested with` : `PostgreSQL ${server} is not among the versions Kong ${target} is tested with`, `Tested: ${testedList}.`, `Plan a PostgreSQL upgrade to a tested version (${testedList}), or test the migration on a copy first.`);
        }
        return [];
    },
};
// Before 10, PostgreSQL majors had two numbers (9.6); from 10 one (15.18 is major 15).
function serverNumber(text) {
    const match = /^\s*(\d+)(?:\.(\d+))?/.exec(text);
    if (!match)
        return undefined;
    const major = Number(match[1]);
    return major >= 10 || match[2] === undefined ? major : Number(`${major}.${match[2]}`);
}

;// CONCATENATED MODULE: ./build/changelog/impact/postgres-connection.js



const postgres_connection_ON = new Set(['on', 'true']);
/**
 * `pg_ssl = on` does not require TLS: Kong hands pg_ssl and pg_ssl_verify to pgmoon and never
 * its `ssl_required` (Kong/kong 3.4.2 kong/db/strategies/postgres/connector.lua, `_M.new`; no
 * pg_ssl_required in kong_defaults.lua at 2.8.5, 3.4.2 or 3.9.3), and pgmoon's
 * send_ssl_message carries on in plaintext when the server answers "N" to the SSLRequest. Seen
 * on Kong 2.8.5 built here: pg_ssl = on and pg_ssl_verify = on against a server without TLS
 * connect and work. A new database server (a restore, a dual cluster) can lose TLS unnoticed.
 */
const pgSslPlaintextFallback = {
    id: 'pg-ssl-plaintext-fallback',
    check(context) {
        const conf = context.kongConf;
        const ssl = conf?.settings.get('pg_ssl');
        if (!conf || !ssl || !postgres_connection_ON.has(ssl.value.toLowerCase()))
            return [];
        const verify = postgres_connection_ON.has(conf.settings.get('pg_ssl_verify')?.value.toLowerCase() ?? '');
        return [
            {
                rule: 'pg-ssl-plaintext-fallback',
                severity: 'warning',
                title: '`pg_ssl = on` falls back to plaintext when the database server refuses TLS',
                detail: `Kong asks PostgreSQL for TLS but continues unencrypted if the server declines${verify ? ', and `pg_ssl_verify = on` then checks nothing' : ''}; Kong has no setting that requires TLS. A server rebuilt or restored for the upgrade without TLS would carry Kong's traffic, and its password, in clear.`,
                where: settingWhere(conf, ssl),
                remedy: 'Enforce TLS on the server side for the kong role (a `hostssl` line and no `host` line in pg_hba.conf), and check `SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()` from a Kong node after the upgrade.',
            },
        ];
    },
};
const SCRAM_CAPABLE = (0,kong_version/* parseKongVersion */.bo)('2.7.0');
const SCRAM_DEFAULT_FROM = 14;
/**
 * Kong before 2.7.0 ships pgmoon without SCRAM-SHA-256 (2.6.0's rockspec pins pgmoon 1.12.0,
 * 2.7.0's 1.13.0); real Kong 2.3.3 against a SCRAM server stops with "Error: don't know how to
 * auth: 10" (test/fixtures/observed/kong-2.3.3-bootstrap.txt). PostgreSQL 14 made
 * scram-sha-256 the default password_encryption.
 */
const postgresScramAuth = {
    id: 'postgres-scram-auth',
    check(context) {
        if ((0,kong_version/* compareKongVersions */.QR)(context.from, SCRAM_CAPABLE) >= 0)
            return [];
        if (context.kongConf?.settings.get('database')?.value.toLowerCase() === 'off')
            return [];
        const server = context.postgres === undefined ? undefined : serverNumber(context.postgres.serverVersion);
        if (server !== undefined && server < SCRAM_DEFAULT_FROM)
            return [];
        const seen = server === undefined ? 'If the database server is PostgreSQL 14 or later (or becomes one during the upgrade), ' : `The server is PostgreSQL ${server}: `;
        const finding = {
            rule: 'postgres-scram-auth',
            severity: 'warning',
            title: 'Kong below 2.7 cannot log in with a SCRAM password (PostgreSQL 14+ default)',
            detail: `${seen}passwords are hashed with SCRAM-SHA-256 by default, and Kong before 2.7.0 only speaks MD5 and cleartext: it stops with "Error: don't know how to auth: 10". The current nodes work only while the kong role's password is stored as MD5.`,
            where: 'database',
            remedy: 'Until every node (and every `kong migrations` run) is on 2.7 or later, keep the kong role\'s password MD5-hashed (`SET password_encryption = \'md5\'` before setting it) on every server Kong uses, including restored copies; re-hash it with SCRAM after the upgrade.',
        };
        return [finding];
    },
};

;// CONCATENATED MODULE: ./build/changelog/impact/route-regex-engine.js


/**
 * 2.x → 3.x: the 3.x default router flavor (`traditional_compatible`) matches regex paths with
 * atc-router's Rust engine, which rejects some PCRE constructs the 2.x router accepted (facts:
 * upgrade-paths-helm-operator-deck.md §6 item 2). Applies to Admin API and declarative routes
 * alike: the database migration adds the `~` prefix but cannot rewrite the pattern.
 */
const routeRegexEngine = {
    id: 'route-regex-engine',
    check(context) {
        if (!(0,crossing/* crosses */.N)(context, '3.0.0'))
            return [];
        // `router_flavor = traditional` keeps the PCRE router (the workaround in Kong/kong#9495).
        const keepsPcre = context.kongConf?.settings.get('router_flavor')?.value === 'traditional';
        return context.entities.flatMap((set) => set.routes.flatMap((route) => route.paths.flatMap(({ path, where }) => {
            const regex = regexOf(path);
            const constructs = regex === undefined ? [] : unsupportedConstructs(regex);
            if (constructs.length === 0)
                return [];
            return [
                {
                    rule: 'route-regex-engine',
                    severity: keepsPcre ? 'warning' : 'error',
                    title: `Route path uses regex features the 3.x router cannot compile: ${constructs.join(', ')}`,
                    detail: `${route.where}: path "${path}". From 3.0 the default router flavor compiles regex paths with ` +
                        `a Rust regex engine without ${constructs.join(', ')}` +
                        (keepsPcre ? '; your kong.conf keeps `router_flavor = traditional`, which still uses PCRE.' : '.'),
                    where,
                    remedy: 'Rewrite the pattern without these constructs (split it into several paths or routes), ' +
                        'or set `router_flavor = traditional` until it is rewritten.',
                },
            ];
        })));
    },
};

;// CONCATENATED MODULE: ./build/changelog/impact/route-regex-prefix.js



/**
 * 2.x → 3.x: 3.x treats a path as a regex only when it starts with `~`. What happens to a 2.x
 * regex path depends on who reads it (facts declarative-consumers.md):
 * - the Admin API: the database migration already prefixed stored routes; nothing to do;
 * - Kong DB-less, file in format 1.1/2.1: Kong converts on load, prefixing the path with its
 *   own heuristic: reported as what it becomes, so the file can be converted to agree;
 * - decK, file in format 1.1/2.1: the whole file is refused (rule declarative-format-version);
 *   its converter may skip top-level routes (facts upgrade-paths-helm-operator-deck.md §5.3);
 * - any consumer, file already in format 3.0: the path is matched as plain text.
 */
const routeRegexPrefix = {
    id: 'route-regex-prefix',
    check(context) {
        if (!(0,crossing/* crosses */.N)(context, '3.0.0'))
            return [];
        return context.entities.flatMap((set) => {
            if (set.source === 'admin-api')
                return [];
            if (set.source === 'kic')
                return set.routes.flatMap((route) => regexPaths(route).map(({ path, where }) => ingressFinding(route, path, where)));
            if (isFormat3(set.formatVersion)) {
                return set.routes.flatMap((route) => regexPaths(route).map(({ path, where }) => plainTextFinding(route, path, where)));
            }
            return context.declarativeConsumers.flatMap((consumer) => oldFormatFindings(context, set, consumer));
        });
    },
};
function regexPaths(route) {
    return route.paths.filter(({ path }) => isRegexLike(path));
}
function oldFormatFindings(context, set, consumer) {
    const label = consumerLabel(context, consumer);
    return set.routes.flatMap((route) => regexPaths(route).flatMap(({ path, where }) => {
        if (consumer === 'db-less') {
            return [
                {
                    rule: 'route-regex-prefix',
                    severity: 'warning',
                    title: `Regex path loaded as "${kongMigratedRegex(path)}" by Kong 3.x${label}`,
                    detail: `${route.where}: path "${path}" in a ${set.formatVersion ?? 'version-less'} file; Kong DB-less converts the file on load and matches this path as the regex "${kongMigratedRegex(path)}". The file and a \`deck gateway dump\` of the new cluster then disagree.`,
                    where,
                    remedy: `Convert the file once (${convertRemedy(context, set.file)}) and keep the converted copy, so the file says what Kong runs.`,
                },
            ];
        }
        // decK refuses the file until converted; only a path its converter may skip needs more.
        if (route.placement !== 'top-level')
            return [];
        return [
            {
                rule: 'route-regex-prefix',
                severity: 'warning',
                title: `Top-level route's regex path may stay unprefixed after \`deck file convert\`${label}`,
                detail: `${route.where}: path "${path}". decK's 2.x → 3.x convert prefixes the paths of routes nested under services; this route is listed at the top level, and a path left without "${REGEX_PREFIX}" is plain text on 3.x.`,
                where,
                remedy: `After converting, check the path starts with "${REGEX_PREFIX}" (prefix it by hand if not), then \`deck gateway diff\` against the new cluster.`,
            },
        ];
    }));
}
function plainTextFinding(route, path, where) {
    return {
        rule: 'route-regex-prefix',
        severity: 'warning',
        title: `Regex-looking route path without "${REGEX_PREFIX}" in a 3.0-format file`,
        detail: `${route.where}: path "${path}" is matched as plain text on 3.x: the file is already in format 3.0, so neither Kong nor decK converts it.`,
        where,
        remedy: `Prefix the path with "${REGEX_PREFIX}" if it is meant as a regex.`,
    };
}
/**
 * A regex-looking Ingress path the controller hands Kong as it is: plain text on 3.x, unless
 * written with the controller's `/~` marker (KIC 2.7.0+, or the Ingress's
 * `konghq.com/regex-prefix`) or the class's IngressClassParameters turn on the 2.x heuristic
 * (`enableLegacyRegexDetection`, KIC 2.6.0+: "the heuristic has known flaws that will not be
 * fixed", Kong/kubernetes-ingress-controller CHANGELOG.md 2.6.0).
 */
function ingressFinding(route, path, where) {
    const rewrite = `/~${path}`;
    if (route.legacyRegexDetection !== undefined) {
        return {
            rule: 'route-regex-prefix',
            severity: 'warning',
            title: 'Ingress regex path relies on the controller\'s legacy regex heuristic',
            detail: `${route.where}: path "${path}". Kong 3.x reads a path as a regex only with "${REGEX_PREFIX}"; the controller adds it to this path because ${route.legacyRegexDetection} sets enableLegacyRegexDetection, Kong Ingress Controller's 2.x heuristic, which it says has known flaws that will not be fixed.`,
            where,
            remedy: `Write the path as "${rewrite}" (the controller turns "/~" into Kong's "${REGEX_PREFIX}"), then turn enableLegacyRegexDetection off.`,
        };
    }
    return {
        rule: 'route-regex-prefix',
        severity: 'warning',
        title: 'Ingress path looks like a regex: Kong 3.x matches it as plain text',
        detail: `${route.where}: path "${path}". Kong 3.x reads a path as a regex only with "${REGEX_PREFIX}", and Kong Ingress Controller passes this path on as it is; Kong's Helm chart (UPGRADE.md, 2.13.0) says Kong 3.0 needs KIC 2.6 or later and that its regex path changes "require changes to Ingresses".`,
        where,
        remedy: `Write the path as "${rewrite}" (KIC 2.7+ turns "/~" into Kong's "${REGEX_PREFIX}"; the annotation konghq.com/regex-prefix changes that marker), or for the time of the upgrade set enableLegacyRegexDetection: true on the IngressClassParameters of the Ingress's class (KIC 2.6+), then rewrite the path and turn it off.`,
    };
}

;// CONCATENATED MODULE: ./build/changelog/impact/router-flavor.js

/**
 * `router_flavor` is new in 3.0.0 with `traditional_compatible` as default (kong.conf.default
 * 3.0.0; facts changelog-and-admin-api.md §A.4): routes are matched by atc-router, whose regex
 * engine and priorities differ from 2.x (facts upgrade-paths-helm-operator-deck.md §6 item 2,
 * Kong/kong#10151). Kong's Helm chart pins `traditional` for this reason.
 */
const routerFlavor = {
    id: 'router-flavor',
    check(context) {
        const conf = context.kongConf;
        if (!conf || conf.settings.has('router_flavor') || !(0,crossing/* crosses */.N)(context, '3.0.0'))
            return [];
        return [
            {
                rule: 'router-flavor',
                severity: 'warning',
                title: 'Routes will be matched by the 3.x router (`router_flavor = traditional_compatible`)',
                detail: `${conf.file} does not set \`router_flavor\`; on 3.x it defaults to \`traditional_compatible\`, whose regex engine and route priorities differ from the 2.x router.`,
                where: conf.file,
                remedy: 'Test your routes against the target in staging (see the route-regex-* findings); set `router_flavor = traditional` to keep the 2.x matcher while you migrate.',
            },
        ];
    },
};

;// CONCATENATED MODULE: ./build/changelog/impact/secure-by-default.js

// Auth plugins whose `hide_credentials` default turns on in 3.14 (facts
// upgrade-paths-helm-operator-deck.md §1.6, 3.10 → 3.14 "secure by default"). Only the
// long-standing bundled auth plugins are listed; others may be affected as well.
const AUTH_PLUGINS = ['basic-auth', 'key-auth', 'hmac-auth', 'ldap-auth', 'oauth2'];
/**
 * 3.14 changes defaults: routes default to `https` only, services verify upstream TLS, auth
 * plugins hide credentials (facts §1.6). A declarative file that leaves these fields out takes
 * the new values; `deck file convert --from 3.10 --to 3.14` pins the old ones (facts §5.3).
 * Entities read from the Admin API carry every field explicitly, so only files are checked.
 */
const secureByDefault = {
    id: 'secure-by-default',
    check(context) {
        if (!(0,crossing/* crosses */.N)(context, '3.14.0'))
            return [];
        return context.entities.flatMap((set) => {
            if (set.source !== 'declarative')
                return [];
            const omitted = (fields, name) => !(name in fields);
            return [
                ...set.routes
                    .filter((route) => omitted(route.fields, 'protocols'))
                    .map((route) => secure_by_default_finding(route.where, 'Route leaves `protocols` out', 'will accept HTTPS only')),
                ...set.services
                    .filter((service) => omitted(service.fields, 'tls_verify'))
                    .map((service) => secure_by_default_finding(service.where, 'Service leaves `tls_verify` out', 'will verify the upstream TLS certificate')),
                ...set.plugins
                    .filter((plugin) => AUTH_PLUGINS.includes(plugin.name) && omitted(plugin.config, 'hide_credentials'))
                    .map((plugin) => secure_by_default_finding(plugin.where, `Plugin ${plugin.name} leaves \`hide_credentials\` out`, 'will strip the credential before proxying')),
            ];
        });
    },
};
function secure_by_default_finding(where, title, effect) {
    return {
        rule: 'secure-by-default',
        severity: 'warning',
        title,
        detail: `${where}: from 3.14 the default changes, so this entity ${effect}.`,
        where,
        remedy: 'Run `deck file convert --from 3.10 --to 3.14` to pin the old defaults, or accept the new ones after testing.',
    };
}

;// CONCATENATED MODULE: ./build/changelog/impact/index.js
















const IMPACT_RULES = [
    kongConfInvalidValue,
    kongConfRemovedProperty,
    kongConfDefaultChanged,
    routerFlavor,
    pluginChanges,
    declarativeFormatVersion,
    routeRegexEngine,
    routeRegexPrefix,
    kicCompatibility,
    ltsFieldRenames,
    secureByDefault,
    enterpriseRemovedFeature,
    postgresVersion,
    postgresScramAuth,
    pgSslPlaintextFallback,
    nginxTemplate,
];
/**
 * What the rules see: every entity source read into one shape. Without a word on who reads the
 * declarative files, both decK and Kong DB-less are assumed.
 */
function impactContext(input) {
    const { adminApi, declarative, declarativeConsumers, ...rest } = input;
    const entities = [
        ...(adminApi ? [adminApiEntities(adminApi)] : []),
        ...(declarative ?? []).map((file) => declarativeEntities(file.file, file.text)),
    ];
    return { ...rest, entities, declarativeConsumers: declarativeConsumers ?? ['deck', 'db-less'] };
}
/** Runs every rule on the deployment; errors first, then warnings, each in rule order. */
function runImpactRules(context) {
    const impacts = IMPACT_RULES.flatMap((rule) => rule.check(context));
    return [...impacts.filter((i) => i.severity === 'error'), ...impacts.filter((i) => i.severity === 'warning')];
}
function analyzeImpact(input) {
    return runImpactRules(impactContext(input));
}


// EXTERNAL MODULE: ./build/changelog/kong-env.js
var kong_env = __nccwpck_require__(1614);
// EXTERNAL MODULE: ./build/changelog/plan-changelog.js
var plan_changelog = __nccwpck_require__(1705);
// EXTERNAL MODULE: ./build/changelog/sources/remote-file.js
var remote_file = __nccwpck_require__(7727);
;// CONCATENATED MODULE: ./build/changelog/plan-impacts.js









// kong_versions.yml lists `postgres: "9.5+"` for every release 2.8–3.10 (facts
// upgrade-paths-helm-operator-deck.md §2.1): below it Kong does not run; below the tested list
// it is a warning.
const POSTGRES_RUNTIME_MINIMUM = 9.5;
/**
 * Collects what the user let us see of the deployment (kong.conf and KONG_* variables,
 * declarative files, the Admin API, the database server, a custom nginx template), runs the
 * impact rules on it, and says what it read. Files are parsed first so a malformed one fails
 * before any network call.
 */
async function gatherImpacts(evidence) {
    const { request, from, to } = evidence;
    const confFile = request.kongConf && { file: request.kongConf.path, settings: (0,kong_conf/* parseUserKongConf */.ET)(request.kongConf.text) };
    const envFile = request.kongEnv && { file: request.kongEnv.path, settings: (0,kong_env/* parseKongEnv */.a)(request.kongEnv.path, request.kongEnv.text) };
    const kongConf = mergeConf(confFile, envFile);
    const [adminApi, postgres, nginx] = await Promise.all([
        evidence.admin && readInventory(evidence.admin, request.admin?.workspace, evidence.log),
        request.db && readPostgres(evidence, request.db),
        request.nginxTemplate && readDefaultTemplates(evidence),
    ]);
    const consumers = decideConsumers(request, kongConf?.settings, adminApi?.configuration);
    const context = impactContext({
        from,
        to,
        kongConf,
        kongConfDefaults: evidence.kongConf,
        adminApi,
        adminConfiguration: adminApi?.configuration,
        declarative: request.declarativeConfigs.map((file) => ({ file: file.path, text: file.text })),
        declarativeConsumers: consumers.consumers,
        postgres,
        nginxTemplate: request.nginxTemplate && { file: request.nginxTemplate.path, custom: request.nginxTemplate.text, defaults: nginx?.templates },
    });
    // `where` is optional on a rule's finding but a key of the plan JSON (null when unknown).
    const found = runImpactRules(context).map((impact) => ({ ...impact, where: impact.where }));
    if (request.nginxTemplate && nginx?.templates === undefined) {
        found.push({
            rule: 'nginx-template',
            severity: 'warning',
            title: 'Custom nginx template not compared',
            detail: nginx?.reason ?? 'Kong\'s default templates could not be read',
            where: request.nginxTemplate.path,
            remedy: `Compare your template with kong/templates/${nginx?.kind ?? 'nginx_kong.lua'} of the target by hand, or run the plan online.`,
        });
    }
    const inspected = {
        declarative: context.entities.filter((set) => set.source !== 'admin-api').map((set) => declarativeSummary(set, consumers)),
        kongConf: [
            ...(confFile ? [{ file: confFile.file, input: 'kong-conf', properties: confFile.settings.size }] : []),
            ...(envFile ? [{ file: envFile.file, input: 'kong-env', properties: envFile.settings.size }] : []),
        ],
        adminApi: adminApi && {
            url: adminApi.url,
            workspaces: adminApi.workspaces,
            database: typeof adminApi.configuration?.['database'] === 'string' ? adminApi.configuration['database'] : undefined,
            services: adminApi.services.length,
            routes: adminApi.routes.length,
            plugins: namesOf(adminApi.plugins),
        },
        database: postgres && { serverVersion: postgres.serverVersion },
        nginxTemplate: request.nginxTemplate && {
            file: request.nginxTemplate.path,
            kind: nginx?.kind ?? templateKind(request.nginxTemplate.text),
            comparedWith: nginx?.templates?.map((template) => template.name),
            reason: nginx?.reason,
        },
    };
    for (const line of inspectedLines(inspected))
        evidence.log(line);
    return { found, files: nginx?.files ?? [], inspected };
}
/**
 * Settings from the environment win over kong.conf's, as in Kong. An environment file with no
 * Kong setting (Helm values keeping the chart's env) is no evidence of what the node relies on.
 */
function mergeConf(conf, env) {
    if (env && env.settings.size === 0)
        return conf;
    if (!conf || !env)
        return conf ?? env;
    return { file: conf.file, settings: new Map([...conf.settings, ...env.settings]) };
}
/**
 * Who reads the declarative files (facts declarative-consumers.md). Asked for, or seen: a node
 * without a database loads them itself (DB-less); a node with one gets them through decK.
 * Otherwise both are assumed and each one's findings reported.
 */
function decideConsumers(request, settings, configuration) {
    switch (request.declarativeConsumer) {
        case 'deck':
            return { consumers: ['deck'], reason: 'declarative-consumer is deck' };
        case 'db-less':
            return { consumers: ['db-less'], reason: 'declarative-consumer is db-less' };
        case 'kic':
            return { consumers: [], reason: 'declarative-consumer is kic: the controller generates what Kong loads' };
    }
    const database = settings?.get('database')?.value.toLowerCase();
    if (database === 'off')
        return { consumers: ['db-less'], reason: 'kong.conf or kong-env sets database = off' };
    if (request.deployment === 'db-less')
        return { consumers: ['db-less'], reason: 'deployment is db-less' };
    if (configuration?.['database'] === 'off')
        return { consumers: ['db-less'], reason: 'the Admin API reports database off' };
    if (typeof configuration?.['database'] === 'string')
        return { consumers: ['deck'], reason: `the Admin API reports database ${String(configuration['database'])}: files reach it through decK` };
    // Only a database set explicitly counts: a kong.conf that leaves it out is often paired with
    // KONG_DATABASE=off in a Compose file or a chart the plan was not given.
    if (database !== undefined && database !== '')
        return { consumers: ['deck'], reason: `kong.conf or kong-env sets database = ${database}: files reach it through decK` };
    return { consumers: ['deck', 'db-less'], reason: 'nothing tells who reads the files: both decK and Kong DB-less assumed' };
}
function declarativeSummary(set, consumers) {
    return {
        file: set.file ?? '',
        formatVersion: set.formatVersion,
        consumer: set.source === 'kic' ? 'kic' : consumers.consumers.length === 0 ? 'kic' : consumers.consumers.join('+'),
        consumerReason: set.source === 'kic' ? 'Kong Ingress Controller resources' : consumers.reason,
        services: set.services.length,
        routes: set.routes.length,
        plugins: namesOf(set.plugins),
        regexPaths: set.routes.reduce((count, route) => count + route.paths.filter(({ path }) => regexOf(path) !== undefined).length, 0),
        envPlaceholders: set.envPlaceholders,
        ...(set.controllers === undefined || set.controllers.length === 0 ? {} : { controllers: set.controllers.map((c) => c.image) }),
    };
}
function namesOf(plugins) {
    return [...new Set(plugins.map((plugin) => plugin.name).filter(Boolean))].sort();
}
const CONSUMER_NAMES = { deck: 'decK', 'db-less': 'DB-less', kic: 'KIC', 'deck+db-less': 'decK or DB-less' };
/** One line per source read: a clean plan and a file that was not read must not look alike. */
function inspectedLines(inspected) {
    const shown = (names) => (names.length === 0 ? 'none' : names.length > 8 ? `${names.slice(0, 8).join(', ')} …` : names.join(', '));
    return [
        ...inspected.declarative.map((d) => `${d.file} (${d.formatVersion ?? (d.consumer === 'kic' ? 'Kubernetes' : 'no format version')}, ${CONSUMER_NAMES[d.consumer] ?? d.consumer}): ${d.services} services, ${d.routes} routes, ${d.regexPaths} regex paths; plugins: ${shown(d.plugins)}${d.envPlaceholders.length > 0 ? `; decK env placeholders (not resolved): ${shown(d.envPlaceholders)}` : ''}${d.controllers === undefined ? '' : `; ingress controller: ${shown(d.controllers)}`}`),
        ...inspected.kongConf.map((c) => `${c.file} (${c.input}): ${c.properties} properties set`),
        ...(inspected.adminApi
            ? [`Admin API ${inspected.adminApi.url} (${inspected.adminApi.workspaces.join(', ') || 'default workspace'}): ${inspected.adminApi.services} services, ${inspected.adminApi.routes} routes; plugins: ${shown(inspected.adminApi.plugins)}`]
            : []),
        ...(inspected.database ? [`database: PostgreSQL ${inspected.database.serverVersion}`] : []),
        ...(inspected.nginxTemplate
            ? [`${inspected.nginxTemplate.file} (nginx template like ${inspected.nginxTemplate.kind}): ${inspected.nginxTemplate.comparedWith ? `compared with Kong's ${inspected.nginxTemplate.comparedWith.join(' and ')}` : `not compared (${inspected.nginxTemplate.reason ?? 'unknown'})`}`]
            : []),
    ];
}
async function readInventory(admin, workspace, log) {
    const workspaces = workspace === 'all' ? (await admin.listAll('/workspaces')).map((ws) => ws.name) : [workspace];
    const [root, inventories] = await Promise.all([
        admin.getJson('/'),
        Promise.all(workspaces.map(async (ws) => {
            const [routes, plugins, services] = await Promise.all([
                admin.listAll('/routes', ws),
                admin.listAll('/plugins', ws),
                admin.listAll('/services', ws),
            ]);
            return { routes, plugins, services };
        })),
    ]);
    const inventory = {
        url: admin.target.url,
        workspaces: workspaces.filter((ws) => ws !== undefined),
        configuration: typeof root.configuration === 'object' && root.configuration !== null ? root.configuration : undefined,
        routes: inventories.flatMap((i) => i.routes),
        plugins: inventories.flatMap((i) => i.plugins),
        services: inventories.flatMap((i) => i.services),
    };
    log(`Admin API: ${inventory.services.length} services, ${inventory.routes.length} routes, ${inventory.plugins.length} plugins checked`);
    return inventory;
}
async function readPostgres(evidence, db) {
    const supported = (0,catalog/* postgresSupport */.RI)((0,kong_version/* releaseLine */.aY)(evidence.to));
    if (supported === undefined)
        return undefined;
    const serverVersion = await evidence.readServerVersion(db);
    evidence.log(`PostgreSQL server version ${serverVersion}`);
    return { serverVersion, supported: { tested: supported.tested, min: POSTGRES_RUNTIME_MINIMUM } };
}
/** The default templates of the custom one's kind: a full main template inlining the http block gets both. */
function templatesFor(custom) {
    const kind = templateKind(custom);
    return kind === 'nginx.lua' && /\bserver_name\s+kong\s*;/.test(custom) ? ['nginx.lua', 'nginx_kong.lua'] : [kind];
}
async function readDefaultTemplates(evidence) {
    const { from, to, read, request } = evidence;
    const names = templatesFor(request.nginxTemplate.text);
    const kind = names[0];
    const notCompared = (reason) => ({ kind, templates: undefined, reason, files: [] });
    if ((0,kong_version/* editionOf */.yU)(to) === 'enterprise')
        return notCompared('Kong Enterprise\'s default templates are not public');
    if (read === undefined)
        return notCompared('Kong\'s default templates are read from GitHub, and this plan is offline');
    try {
        const now = new Date();
        const pairs = await Promise.all(names.map(async (name) => {
            const [a, b] = await Promise.all([read((0,remote_file/* kongTemplateAt */.lv)((0,kong_version/* formatKongVersion */.Xz)(from), name)), read((0,remote_file/* kongTemplateAt */.lv)((0,kong_version/* formatKongVersion */.Xz)(to), name))]);
            return { name, a, b };
        }));
        return {
            kind,
            templates: pairs.map(({ name, a, b }) => ({ name, from: a.text, to: b.text })),
            reason: undefined,
            files: pairs.flatMap(({ name, a, b }) => [(0,plan_changelog/* sourceFileOf */.XQ)(`${name} ${(0,kong_version/* formatKongVersion */.Xz)(from)}`, a, now), (0,plan_changelog/* sourceFileOf */.XQ)(`${name} ${(0,kong_version/* formatKongVersion */.Xz)(to)}`, b, now)]),
        };
    }
    catch (error) {
        return notCompared(`Kong's default templates could not be read: ${error.message}`);
    }
}


/***/ }),

/***/ 1435:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  V1: () => (/* binding */ readPlanRequest)
});

// UNUSED EXPORTS: DATABASES, DECLARATIVE_CONSUMERS, DEPLOYMENTS, EDITIONS

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __nccwpck_require__(1455);
// EXTERNAL MODULE: ./build/lib/errors.js
var errors = __nccwpck_require__(1469);
// EXTERNAL MODULE: ./build/lib/inputs.js
var inputs = __nccwpck_require__(2307);
// EXTERNAL MODULE: ./build/changelog/kong-conf.js + 1 modules
var kong_conf = __nccwpck_require__(3052);
// EXTERNAL MODULE: ./build/changelog/kong-env.js
var kong_env = __nccwpck_require__(1614);
// EXTERNAL MODULE: ./build/kong/admin-inputs.js
var admin_inputs = __nccwpck_require__(8877);
// EXTERNAL MODULE: ./build/database/connection-inputs.js
var connection_inputs = __nccwpck_require__(2218);
;// CONCATENATED MODULE: ./build/version/deployment.js
/**
 * What an upgrade is of, besides its versions: how the nodes run and what stores their
 * configuration. The upgrade path and the strategies depend on both.
 */
const DEPLOYMENTS = ['traditional', 'hybrid', 'db-less'];
const DATABASES = ['postgres', 'cassandra'];

;// CONCATENATED MODULE: ./build/changelog/plan-request.js








/**
 * What a plan is asked for, read from the action's inputs or the CLI's flags through the same
 * function, so both validate alike and before anything is fetched.
 */
const EDITIONS = ['auto', 'oss', 'enterprise'];

/** Who reads the declarative files (facts declarative-consumers.md); auto decides from what the plan sees. */
const DECLARATIVE_CONSUMERS = ['auto', 'deck', 'db-less', 'kic'];
async function readPlanRequest(source) {
    const admin = (0,admin_inputs/* readAdminInputs */.x)(source);
    const from = (0,inputs/* readString */.E3)(source, 'from');
    if (from === undefined && admin === undefined) {
        throw (0,errors/* inputError */.Xu)('from', 'is required unless admin-url is given (then the running version is read from the Admin API)');
    }
    const to = (0,inputs/* readString */.E3)(source, 'to');
    if (to === undefined)
        throw (0,errors/* inputError */.Xu)('to', 'is required: a version (3.4.2, 3.10.0.2), a release line (3.10) or "latest"');
    const request = {
        from,
        to,
        edition: (0,inputs/* readEnum */.ai)(source, 'edition', EDITIONS, 'auto'),
        deployment: (0,inputs/* readEnum */.ai)(source, 'deployment', DEPLOYMENTS, 'traditional'),
        database: (0,inputs/* readEnum */.ai)(source, 'database', DATABASES, 'postgres'),
        declarativeConsumer: (0,inputs/* readEnum */.ai)(source, 'declarative-consumer', DECLARATIVE_CONSUMERS, 'auto'),
        offline: (0,inputs/* readBoolean */.Vf)(source, 'offline', false),
        github: {
            token: (0,inputs/* readSecret */.n5)(source, 'github-token'),
            apiUrl: (0,inputs/* readHttpUrl */.y7)(source, 'github-api-url') ?? 'https://api.github.com',
        },
        cacheDir: (0,inputs/* readString */.E3)(source, 'cache-dir'),
        admin,
        db: (0,connection_inputs/* readDatabaseInputs */.Z)(source),
    };
    // Files last: every value is validated before anything is read from disk.
    const [changelogFile, kongConf, kongEnv, nginxTemplate, declarativeConfigs] = await Promise.all([
        readGivenFile(source, 'changelog-file'),
        readGivenFile(source, 'kong-conf'),
        readGivenFile(source, 'kong-env'),
        readGivenFile(source, 'nginx-template'),
        Promise.all((0,inputs/* readList */.LD)(source, 'declarative-config').map((path) => loadFile('declarative-config', path))),
    ]);
    // Their passwords and keys are masked before anything could print them (a finding names the key only).
    const mask = (secret) => (0,inputs/* maskSecret */.$l)(source, secret);
    if (kongConf !== undefined)
        (0,kong_conf/* maskSecretSettings */.g3)((0,kong_conf/* parseUserKongConf */.ET)(kongConf.text, 'kong-conf'), mask);
    if (kongEnv !== undefined)
        (0,kong_conf/* maskSecretSettings */.g3)((0,kong_env/* parseKongEnv */.a)(kongEnv.path, kongEnv.text), mask);
    return { ...request, changelogFile, kongConf, kongEnv, nginxTemplate, declarativeConfigs };
}
async function readGivenFile(source, input) {
    const path = (0,inputs/* readString */.E3)(source, input);
    return path === undefined ? undefined : loadFile(input, path);
}
async function loadFile(input, path) {
    try {
        return { input, path, text: await (0,promises_.readFile)(path, 'utf8') };
    }
    catch (error) {
        const code = error.code;
        const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : error.message;
        throw (0,errors/* inputError */.Xu)(input, `cannot read "${path}": ${reason}`, error);
    }
}


/***/ }),

/***/ 6790:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   G: () => (/* binding */ PLAN_SCHEMA),
/* harmony export */   S: () => (/* binding */ serializePlan)
/* harmony export */ });
/**
 * The plan: `kong-upgrade/plan@1`, written by fetch-changelog (`plan-json`) and printed by
 * `kong-upgrade plan --format json`. Scripts and later actions read it, so fields are only
 * ever added; renaming or removing one needs a new schema version. Documented in
 * actions/fetch-changelog/README.md.
 */
const PLAN_SCHEMA = 'kong-upgrade/plan@1';
/**
 * The plan as JSON for the file and `--format json`: every documented field is present, an
 * unknown value written as null rather than left out, so scripts can rely on the keys.
 */
function serializePlan(plan) {
    return `${JSON.stringify(plan, (_key, value) => (value === undefined ? null : value), 2)}\n`;
}


/***/ }),

/***/ 7241:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  G: () => (/* binding */ buildPlan)
});

// UNUSED EXPORTS: BUILT_IN_DATA_DATE

// EXTERNAL MODULE: ./build/lib/errors.js
var errors = __nccwpck_require__(1469);
// EXTERNAL MODULE: ./build/database/postgres/server-version.js
var server_version = __nccwpck_require__(5306);
;// CONCATENATED MODULE: ./build/lib/http.js

// undici is loaded on first use: most runs (a plan, a backup) never need it, and it is a large
// part of a bundle whose start-up time every step pays.
const loadUndici = () => __nccwpck_require__.e(/* import() */ 752).then(__nccwpck_require__.t.bind(__nccwpck_require__, 6752, 19));
/**
 * No answer this suite reads comes near it (an Admin API page of 1,000 entities, Kong's
 * CHANGELOG.md); without a cap, one endless or huge body held memory without bound (1 GiB took
 * 3.2 GiB). The body is counted as it arrives and the request dropped past the cap.
 */
const DEFAULT_MAX_BODY_BYTES = 64 << 20;
async function httpRequest(request, step = 'HTTP request') {
    const started = performance.now();
    // fetch drops a Host header (a forbidden header name in the Fetch standard), but a proxy check
    // must choose the route by host, as clients of Kong's proxy do: undici's request sends it as given.
    if (request.headers !== undefined && Object.keys(request.headers).some((name) => name.toLowerCase() === 'host')) {
        return requestWithHost(request, step, started);
    }
    try {
        const response = await fetch(request.url, {
            method: request.method ?? 'GET',
            headers: request.headers,
            body: request.body,
            signal: AbortSignal.timeout(request.timeoutMs ?? 10_000),
            redirect: 'manual',
        });
        const body = response.body === null ? '' : await readCapped(response.body, request, step);
        return { status: response.status, headers: response.headers, body, elapsedMs: performance.now() - started };
    }
    catch (error) {
        if (error instanceof errors/* UpgradeError */.fy)
            throw error;
        const reason = error.name === 'TimeoutError' ? 'timed out' : transportReason(error);
        throw (0,errors/* stepError */.hH)(step, `${request.method ?? 'GET'} ${request.url} failed: ${reason}`, error);
    }
}
async function requestWithHost(request, step, started) {
    const timeoutMs = request.timeoutMs ?? 10_000;
    try {
        const { request: undiciRequest } = await loadUndici();
        const response = await undiciRequest(request.url, {
            method: (request.method ?? 'GET'),
            headers: request.headers,
            body: request.body,
            headersTimeout: timeoutMs,
            bodyTimeout: timeoutMs,
            signal: AbortSignal.timeout(timeoutMs),
        });
        const body = await readCapped(response.body, request, step);
        const headers = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
            if (value === undefined)
                continue;
            for (const item of Array.isArray(value) ? value : [value])
                headers.append(name, item);
        }
        return { status: response.statusCode, headers, body, elapsedMs: performance.now() - started };
    }
    catch (error) {
        if (error instanceof errors/* UpgradeError */.fy)
            throw error;
        const kind = transportErrorKind(error);
        const reason = kind === 'timeout' ? 'timed out' : transportReason(error);
        throw (0,errors/* stepError */.hH)(step, `${request.method ?? 'GET'} ${request.url} failed: ${reason}`, error);
    }
}
/**
 * Reads a body to the end as UTF-8, failing once it passes the cap: leaving the loop by the throw
 * cancels the stream (fetch) or destroys it (undici), so the rest is never read.
 */
async function readCapped(body, request, step) {
    const limit = request.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const chunks = [];
    let size = 0;
    for await (const chunk of body) {
        size += chunk.byteLength;
        if (size > limit) {
            throw (0,errors/* stepError */.hH)(step, `${request.method ?? 'GET'} ${request.url}: the answer is larger than ${limit} bytes, more than any answer this step reads; not read further`);
        }
        chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
}
function transportErrorKind(error) {
    const codes = [];
    const names = [];
    for (let current = error, depth = 0; current && depth < 4; depth++) {
        if (typeof current.code === 'string')
            codes.push(current.code);
        if (typeof current.name === 'string')
            names.push(current.name);
        current = current.cause;
    }
    if (codes.includes('ECONNREFUSED'))
        return 'refused';
    if (names.includes('TimeoutError') || codes.some((code) => /TIMEOUT|ETIMEDOUT/.test(code)))
        return 'timeout';
    // UND_ERR_SOCKET is undici's "other side closed": the peer closed the connection mid-request.
    if (codes.some((code) => ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED'].includes(code)))
        return 'reset';
    return 'other';
}
/**
 * A keep-alive connection pool to one origin (undici's Pool) for load measurement: at most
 * `connections` sockets, one request in flight on each, every request bounded by `timeoutMs`.
 * The body is read to the end, so latency covers the whole answer as a client sees it.
 */
async function createHttpPool(origin, options) {
    const { Pool } = await loadUndici();
    const pool = new Pool(origin, {
        connections: options.connections,
        pipelining: 1,
        connectTimeout: options.timeoutMs,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
    });
    return {
        async send(request) {
            const started = performance.now();
            try {
                const response = await pool.request({
                    method: request.method,
                    path: request.path,
                    headers: request.headers,
                    body: request.body,
                    signal: AbortSignal.timeout(options.timeoutMs),
                });
                await response.body.dump({ limit: Number.MAX_SAFE_INTEGER });
                return { kind: 'response', status: response.statusCode, elapsedMs: performance.now() - started };
            }
            catch (error) {
                const code = error.code ?? error.name ?? 'error';
                return { kind: 'transport-error', error: transportErrorKind(error), code, elapsedMs: performance.now() - started };
            }
        },
        async close() {
            await pool.destroy();
        },
    };
}
function transportReason(error) {
    const cause = error.cause;
    return cause?.code ?? cause?.message ?? error.message;
}

// EXTERNAL MODULE: ./build/lib/log-text.js
var log_text = __nccwpck_require__(2180);
;// CONCATENATED MODULE: ./build/kong/admin-api.js



/**
 * A small client for Kong's Admin API, shared by the plan (impact analysis), smoke-test,
 * backup-db's export and promote. Collections answer `{data, next}` with `next` a relative path
 * and `null` on the last page, and `size` is at most 1000 (Kong/kong 3.4.2
 * kong/api/endpoints.lua l.143 and l.307-316); Enterprise's RBAC header is `Kong-Admin-Token`
 * (its default rbac_auth_header).
 */
const MAX_PAGE_SIZE = 1000;
/**
 * Pages one collection may take: 10,000 pages of 1,000 is ten million entities of one type in
 * one workspace, far past any deployment; a server whose `next` never ends stops here.
 */
const MAX_PAGES = 10_000;
/**
 * `step` names the failures (`Admin API`, `Kong upstream` …); the target's `input` is blamed
 * when the server does not answer like a Kong Admin API at all.
 */
function createAdminClient(target, timeoutMs = 10_000, step = 'Admin API') {
    const headers = { accept: 'application/json' };
    if (target.token !== undefined)
        headers['Kong-Admin-Token'] = target.token;
    const notKong = (detail) => target.input === undefined ? (0,errors/* stepError */.hH)(step, detail) : (0,errors/* inputError */.Xu)(target.input, `${detail}; is ${target.url} a Kong Admin API?`);
    async function getJson(path) {
        const url = `${target.url}${path}`;
        const response = await httpRequest({ url, headers, timeoutMs }, step);
        if (response.status !== 200) {
            throw (0,errors/* httpError */.p2)(step, response.status, `GET ${url} answered ${response.status}: ${kongMessage(response.body)}`);
        }
        try {
            return JSON.parse(response.body);
        }
        catch {
            throw notKong(`GET ${url} did not answer JSON`);
        }
    }
    /**
     * The one paging loop. Guards: every page must be `{data: [...], next}`, `next` a path on this
     * Admin API (a full URL would carry the token elsewhere), never one seen before, never after an
     * empty page, and at most MAX_PAGES of them.
     */
    async function forEachPage(path, workspace, onPage) {
        const prefix = workspace === undefined ? '' : `/${encodeURIComponent(workspace)}`;
        const separator = path.includes('?') ? '&' : '?';
        let next = `${prefix}${path}${separator}size=${MAX_PAGE_SIZE}`;
        const seen = new Set();
        let requests = 0;
        while (next !== null) {
            if (requests >= MAX_PAGES)
                throw (0,errors/* stepError */.hH)(step, `GET ${target.url}${prefix}${path}: still paging after ${MAX_PAGES} pages; stopped`);
            seen.add(next);
            const url = `${target.url}${next}`;
            const page = await getJson(next);
            requests++;
            const data = page?.data;
            const link = page?.next;
            if (!Array.isArray(data))
                throw notKong(`GET ${url} did not answer a collection ({"data": [...], "next": ...})`);
            if (link !== null && link !== undefined && typeof link !== 'string')
                throw notKong(`GET ${url} answered a "next" that is not a path`);
            onPage(data);
            if (typeof link !== 'string')
                break;
            // Before 3.1 `next` drops `size` (Kong/kong 3.1.0 kong/api/endpoints.lua l.315 first adds it). Whether Enterprise prefixes `next` with the
            // workspace is not documented, so accept both forms.
            if (!link.startsWith('/') || link.startsWith('//'))
                throw (0,errors/* stepError */.hH)(step, `GET ${url} answered a "next" that is not a path on this Admin API: ${(0,log_text/* quoteRemote */.Pj)(link)}`);
            if (data.length === 0)
                throw (0,errors/* stepError */.hH)(step, `GET ${url} answered an empty page with a "next" page: it would never end`);
            next = withSize(withPrefix(link, prefix));
            if (seen.has(next))
                throw (0,errors/* stepError */.hH)(step, `GET ${url} answered a "next" page already read (${(0,log_text/* quoteRemote */.Pj)(link)}): it would never end`);
        }
        return requests;
    }
    async function listAll(path, workspace) {
        const items = [];
        await forEachPage(path, workspace, (page) => {
            for (const item of page)
                items.push(item);
        });
        return items;
    }
    async function get(path) {
        return httpRequest({ url: `${target.url}${path}`, headers, timeoutMs }, step);
    }
    async function send(method, path, body) {
        const request = body === undefined
            ? { method, url: `${target.url}${path}`, headers, timeoutMs }
            : { method, url: `${target.url}${path}`, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body), timeoutMs };
        return httpRequest(request, step);
    }
    return { target, getJson, listAll, forEachPage, get, send };
}
/** An Admin API answer of 404: a collection or entity this node does not have (a plugin not installed, OSS without /workspaces). */
function isNotFound(error) {
    return error instanceof UpgradeError && error.httpStatus === 404;
}
/**
 * Every workspace's name, sorted, with the requests it took; `names` undefined where the node
 * has no /workspaces (OSS 3.7+ answers 404: only the default workspace exists).
 */
async function listWorkspaces(client) {
    const names = [];
    try {
        const requests = await client.forEachPage('/workspaces', undefined, (items) => {
            for (const item of items)
                if (typeof item.name === 'string')
                    names.push(item.name);
        });
        return { names: names.sort(), requests };
    }
    catch (error) {
        if (isNotFound(error))
            return { names: undefined, requests: 1 };
        throw error;
    }
}
function withPrefix(path, prefix) {
    return prefix === '' || path.startsWith(`${prefix}/`) ? path : `${prefix}${path}`;
}
function withSize(path) {
    return /[?&]size=/.test(path) ? path : `${path}${path.includes('?') ? '&' : '?'}size=${MAX_PAGE_SIZE}`;
}
/** Kong's error bodies are `{"message": …}`: that message, else the start of the body; quoted and escaped. */
function kongMessage(body) {
    try {
        const parsed = JSON.parse(body);
        if (typeof parsed.message === 'string')
            return (0,log_text/* quoteRemote */.Pj)(parsed.message);
    }
    catch {
        // not JSON: fall through to the raw text
    }
    return (0,log_text/* quoteRemote */.Pj)(body);
}

// EXTERNAL MODULE: ./build/version/kong-version.js
var kong_version = __nccwpck_require__(7143);
;// CONCATENATED MODULE: ./build/kong/admin-root.js




/** The node's version as reported, parsed; undefined when absent or not a Kong version. */
function rootVersion(root) {
    return typeof root.version === 'string' ? tryParseKongVersion(root.version) : undefined;
}
/** `edition` of GET / (3.6+: "enterprise" or "community"); before 3.6, inferred from the form. */
function rootEdition(root) {
    if (typeof root.edition === 'string')
        return root.edition;
    const version = rootVersion(root);
    if (version === undefined)
        return undefined;
    return version.build === undefined ? undefined : 'enterprise';
}
/** The PostgreSQL database a node serves, as its `configuration` says; undefined when another store or unsaid. */
function rootDatabase(root) {
    const conf = root.configuration;
    if (conf?.database !== 'postgres' || typeof conf.pg_host !== 'string')
        return undefined;
    const port = Number(conf.pg_port ?? 5432);
    if (!Number.isInteger(port))
        return undefined;
    return { host: conf.pg_host, port, database: typeof conf.pg_database === 'string' ? conf.pg_database : undefined };
}
function rootRole(root) {
    const role = root.configuration?.role;
    return typeof role === 'string' ? role : undefined;
}
/**
 * The names in `plugins.available_on_server`: an object of `true` in 2.8, an object of
 * `{version, priority}` from 3.0 (#8810); 2.8's docs show an array, so accept that too
 * (Kong/kong 3.4.2 kong/api/routes/kong.lua l.116).
 */
function availablePlugins(root) {
    const available = root.plugins?.available_on_server;
    if (Array.isArray(available))
        return available.filter((name) => typeof name === 'string');
    if (available !== null && typeof available === 'object') {
        return Object.entries(available)
            .filter(([, value]) => value !== false && value !== null && value !== undefined)
            .map(([name]) => name);
    }
    return undefined;
}
/** Kong's proxy answers every unmatched request so (Kong/kong 3.4.2 kong/runloop/handler.lua l.1151). */
const PROXY_NOT_FOUND = 'no Route matched with those values';
/**
 * What a non-200 answer of the Admin API says about the URL or the token, for the user: 401/403
 * is RBAC refusing the token (Enterprise: "Invalid credentials. Token or User credentials
 * required"); 404 with the proxy's message is admin-url pointing at proxy_listen. Empty otherwise.
 */
function adminAnswerHint(status, body) {
    if (status === 401 || status === 403)
        return ': check admin-token (sent as Kong-Admin-Token) and its RBAC role';
    if (status === 404 && kongMessage(body) === (0,log_text/* quoteRemote */.Pj)(PROXY_NOT_FOUND)) {
        return ": that is Kong's proxy (proxy_listen) answering, not its Admin API: give admin_listen's address (8001 or 8444 by default)";
    }
    return '';
}
/** Whether an answer can never become the Admin API's by waiting: a refused token, the proxy. */
function isFinalAnswer(status, body) {
    return adminAnswerHint(status, body) !== '';
}
/**
 * The version a running node reports in GET /, as written there (`3.4.2`, Enterprise
 * `3.4.3.5`, `2.8.1.1-enterprise-edition`). Anything that is not a Kong Admin API answering a
 * version this suite reads is an error naming admin-url and what came back.
 */
async function runningVersion(client) {
    const url = `${client.target.url}/`;
    const response = await client.get('/');
    if (response.status !== 200) {
        throw (0,errors/* inputError */.Xu)('admin-url', `GET ${url} answered ${response.status}: ${kongMessage(response.body)}${adminAnswerHint(response.status, response.body)}`);
    }
    let root;
    try {
        root = JSON.parse(response.body);
    }
    catch {
        throw (0,errors/* inputError */.Xu)('admin-url', `GET ${url} did not answer JSON (${(0,log_text/* quoteRemote */.Pj)(response.body, 80)}); is it a Kong Admin API?`);
    }
    const version = root !== null && typeof root === 'object' ? root.version : undefined;
    if (typeof version !== 'string')
        throw (0,errors/* inputError */.Xu)('admin-url', `GET ${url} did not report a version; is it a Kong Admin API?`);
    if ((0,kong_version/* tryParseKongVersion */.SC)(version) === undefined) {
        throw (0,errors/* inputError */.Xu)('admin-url', `GET ${url} reports version ${(0,log_text/* quoteRemote */.Pj)(version)}, which is not a Kong version this suite reads (${kong_version/* ACCEPTED_VERSION_FORMS */.Fv})`);
    }
    return version;
}

// EXTERNAL MODULE: ./build/version/catalog.js + 1 modules
var catalog = __nccwpck_require__(7692);
;// CONCATENATED MODULE: ./build/version/strategies.js

const BLUE_GREEN_MINIMUM = (0,kong_version/* parseKongVersion */.bo)('2.8.2');
/** Advice per node group, in the order the groups are upgraded. */
function adviseStrategies(hops, deployment) {
    switch (deployment) {
        case 'traditional':
            return [databaseBacked('nodes', hops)];
        case 'hybrid':
            return [databaseBacked('control-planes', hops), withoutDatabase('data-planes')];
        case 'db-less':
            return [withoutDatabase('nodes')];
    }
}
function databaseBacked(group, hops) {
    return {
        group,
        recommended: 'dual-cluster',
        reason: 'safest: a second cluster on a new database restored from the backup takes traffic gradually, with no planned downtime and the old cluster as rollback',
        fallback: { name: 'in-place', reason: 'when there is no capacity for a second cluster and database' },
        strategies: [
            {
                name: 'dual-cluster',
                supported: true,
                reason: 'new cluster and database restored from the backup; database-stored counters (Rate Limiting Advanced, Vitals) are not shared between the two',
            },
            {
                name: 'in-place',
                supported: true,
                reason: 'stops the old nodes and migrates the same database: business downtime; rollback restores the database backup',
            },
            blueGreen(hops),
            {
                name: 'rolling',
                supported: false,
                reason: 'these nodes share a database that `kong migrations` changes; rolling replacement is for nodes without one (DB-less, hybrid data planes)',
            },
        ],
    };
}
/** Blue-green on the shared database: limited support, patch upgrades only, 2.8.2+ (blue-green.md). */
function blueGreen(hops) {
    const crossing = hops.find((hop) => !(0,kong_version/* sameLine */.tW)(hop.from, hop.to));
    if (crossing) {
        return {
            name: 'blue-green',
            supported: false,
            reason: `Kong supports blue-green only between patch versions and never across LTS upgrades; this plan's hop ${(0,kong_version/* formatKongVersion */.Xz)(crossing.from)} → ${(0,kong_version/* formatKongVersion */.Xz)(crossing.to)} is ${crossing.rule}`,
        };
    }
    const tooOld = hops.find((hop) => (0,kong_version/* compareKongVersions */.QR)(hop.from, BLUE_GREEN_MINIMUM) < 0);
    if (tooOld) {
        return {
            name: 'blue-green',
            supported: false,
            reason: `blue-green needs 2.8.2 or later on the old cluster; this plan starts a hop at ${(0,kong_version/* formatKongVersion */.Xz)(tooOld.from)}`,
        };
    }
    return {
        name: 'blue-green',
        supported: true,
        reason: 'not recommended (limited support from Kong): both clusters share the database, which serves the old one until `kong migrations finish`',
    };
}
function withoutDatabase(group) {
    const who = group === 'data-planes' ? 'hybrid data planes' : 'DB-less nodes';
    const unsupported = (name) => ({
        name,
        supported: false,
        reason: `Kong supports only rolling upgrades for ${who}: there is no database to migrate`,
    });
    const order = group === 'data-planes' ? ' after the control planes (a data plane must not be newer than its control plane)' : '';
    return {
        group,
        recommended: 'rolling',
        reason: `replace ${who} one at a time${order}; no migrations run`,
        fallback: undefined,
        strategies: [
            unsupported('dual-cluster'),
            unsupported('in-place'),
            unsupported('blue-green'),
            { name: 'rolling', supported: true, reason: `new ${who} join and old ones drain, one at a time` },
        ],
    };
}

;// CONCATENATED MODULE: ./build/version/teardown-migrations.js

/** The list covers Kong/kong tags up to here; later releases may add teardowns not listed. */
const TEARDOWN_FACTS_END = (0,kong_version/* parseKongVersion */.bo)('3.9.3');
// Read from the Postgres half of every migration file at the tags 1.0.0–3.9.3 (a teardown only in
// the `cassandra` half does not count). basic-auth, hmac-auth, jwt and key-auth 003_200_to_210 are
// operations/200_to_210.lua's ws_migrate_plugin, which has one; pre-function and post-function
// 001_280_to_300 are pre-function/migrations/_001_280_to_300.lua, which has one too (observed on
// real Kong 3.4.2: `up` from 2.8.5 leaves them pending and `finish` runs them). The 1.0.0 rows
// existed until 1.5.x and matter only for an upgrade from 0.x.
const ROWS = [
    ['core', '001_14_to_15', '1.0.0'],
    ['core', '002_15_to_1', '1.0.0'],
    ['acl', '001_14_to_15', '1.0.0'],
    ['oauth2', '001_14_to_15', '1.0.0'],
    ['oauth2', '002_15_to_10', '1.0.0'],
    ['rate-limiting', '001_14_to_15', '1.0.0'],
    ['rate-limiting', '002_15_to_10', '1.0.0'],
    ['response-ratelimiting', '001_14_to_15', '1.0.0'],
    ['response-ratelimiting', '002_15_to_10', '1.0.0'],
    ['core', '005_120_to_130', '1.3.0'],
    ['core', '008_150_to_200', '2.0.0'],
    ['core', '009_200_to_210', '2.1.0'],
    ['core', '012_213_to_220', '2.2.0'],
    ['core', '016_280_to_300', '3.0.0'],
    ['acl', '003_200_to_210', '2.1.0'],
    ['acl', '004_212_to_213', '2.1.3'],
    ['bot-detection', '001_200_to_210', '2.1.0'],
    ['ip-restriction', '001_200_to_210', '2.1.0'],
    ['oauth2', '004_200_to_210', '2.1.0'],
    ['basic-auth', '003_200_to_210', '2.1.0'],
    ['hmac-auth', '003_200_to_210', '2.1.0'],
    ['jwt', '003_200_to_210', '2.1.0'],
    ['key-auth', '003_200_to_210', '2.1.0'],
    ['http-log', '001_280_to_300', '3.0.0'],
    ['pre-function', '001_280_to_300', '3.0.0'],
    ['post-function', '001_280_to_300', '3.0.0'],
    ['acme', '003_350_to_360', '3.6.0'],
    ['rate-limiting', '006_350_to_360', '3.6.0'],
    ['response-ratelimiting', '001_350_to_360', '3.6.0'],
    // First OSS tag 3.6.1; Enterprise also shipped it on its 3.3–3.5 branches
    // (Kong/kong release/3.3.x–3.5.x after their last OSS tags).
    ['opentelemetry', '001_331_to_332', '3.6.1'],
    ['ai-proxy', '001_360_to_370', '3.7.0'],
];
const TEARDOWNS = ROWS.map(([subsystem, name, since]) => ({
    subsystem,
    name,
    since: (0,kong_version/* parseKongVersion */.bo)(since),
})).sort((a, b) => (0,kong_version/* compareKongVersions */.QR)(a.since, b.since));
/** The teardown migrations an upgrade from `from` to `to` applies, oldest first. */
function teardownsBetween(from, to) {
    return TEARDOWNS.filter((m) => (0,kong_version/* compareKongVersions */.QR)(m.since, from) > 0 && (0,kong_version/* compareKongVersions */.QR)(m.since, to) <= 0);
}

;// CONCATENATED MODULE: ./build/version/upgrade-path.js




// decK `file convert` pairs: Kong/deck convert/convert.go; the decK versions from the LTS
// upgrade guides (Kong/developer.konghq.com app/_how-tos/gateway/convert-gateway-lts-*.md).
const LTS_PAIRS = {
    '2.8': { to: '3.4', minimumDeck: '1.47.0' },
    '3.4': { to: '3.10', minimumDeck: '1.51.0' },
    '3.10': { to: '3.14', minimumDeck: '1.57.3' },
};
const HYBRID_PROTOCOL_TRAP = ['3.1.0.0', '3.1.1.1'];
const HYBRID_PROTOCOL_FIX = (0,kong_version/* parseKongVersion */.bo)('3.1.1.2');
const upgrade_path_BLUE_GREEN_MINIMUM = (0,kong_version/* parseKongVersion */.bo)('2.8.2');
const PRE_1_WAYPOINT = (0,kong_version/* parseKongVersion */.bo)('1.5.0');
function planUpgradePath(from, to, options) {
    validate(from, to, options);
    const hops = [];
    let at = from;
    const first = requiredFirstHop(at, to, options);
    if (first) {
        hops.push(makeHop(at, first.to, first.rule, first.reason, options));
        at = first.to;
    }
    if ((0,kong_version/* sameLine */.tW)(at, to)) {
        if ((0,kong_version/* compareKongVersions */.QR)(at, to) < 0) {
            hops.push(makeHop(at, to, 'patch', `patch releases of the ${(0,kong_version/* releaseLine */.aY)(to)} line`, options));
        }
        return hops;
    }
    for (const edge of shortestRoute((0,kong_version/* releaseLine */.aY)(at), (0,kong_version/* releaseLine */.aY)(to))) {
        const stop = edge.to === (0,kong_version/* releaseLine */.aY)(to) ? to : (edge.pinned ?? waypoint(edge.to, options.edition));
        hops.push(makeHop(at, stop, edge.rule, edge.reason, options));
        at = stop;
    }
    return hops;
}
function validate(from, to, options) {
    const name = options.edition === 'oss' ? 'OSS' : 'Enterprise';
    if ((0,kong_version/* editionOf */.yU)(to) !== options.edition) {
        const form = options.edition === 'oss' ? 'three numbers (3.4.2)' : 'four numbers (3.4.3.29)';
        throw (0,errors/* inputError */.Xu)('to', `"${(0,kong_version/* formatKongVersion */.Xz)(to)}" is not an ${name} version; with edition ${options.edition} it needs ${form}`);
    }
    if (options.edition === 'oss' && (0,kong_version/* editionOf */.yU)(from) === 'enterprise') {
        throw (0,errors/* inputError */.Xu)('from', `"${(0,kong_version/* formatKongVersion */.Xz)(from)}" is an Enterprise version; an Enterprise to OSS move is not an upgrade this planner supports; use edition enterprise`);
    }
    // OSS → Enterprise: OSS x.y.z is the same code line as Enterprise x.y.z.0, and
    // compareKongVersions orders them so.
    const order = (0,kong_version/* compareKongVersions */.QR)(from, to);
    if (order === 0)
        throw (0,errors/* inputError */.Xu)('to', `is the version already running (${(0,kong_version/* formatKongVersion */.Xz)(from)}); nothing to upgrade`);
    if (order > 0) {
        throw (0,errors/* inputError */.Xu)('to', `${(0,kong_version/* formatKongVersion */.Xz)(to)} is older than ${(0,kong_version/* formatKongVersion */.Xz)(from)}: downgrades are not supported (migrations are not reversible); restore the pre-upgrade backup instead`);
    }
    if (!(0,catalog/* versionExists */.$y)(to))
        throw (0,errors/* inputError */.Xu)('to', (0,catalog/* notReleased */.d_)(to, options.edition));
    // The running version is taken as given (Kong's data misses a few Enterprise builds, e.g.
    // 3.1.1.1), but its line must be one Kong released.
    if ((0,catalog/* catalogLine */.WP)((0,kong_version/* releaseLine */.aY)(from)) === undefined) {
        throw (0,errors/* inputError */.Xu)('from', `${(0,kong_version/* formatKongVersion */.Xz)(from)} is not in any Kong release line; lines: ${(0,catalog/* allLines */.bk)()[0]?.line} … ${(0,catalog/* allLines */.bk)().at(-1)?.line}`);
    }
    if (options.deployment !== 'db-less' && options.database === 'cassandra') {
        if (!(0,catalog/* supportsCassandra */.nL)(from)) {
            throw (0,errors/* inputError */.Xu)('database', `Kong ${(0,kong_version/* formatKongVersion */.Xz)(from)} cannot run on Cassandra (support was removed in 3.4.0); accepted: postgres`);
        }
        if (!(0,catalog/* supportsCassandra */.nL)(to)) {
            const last = (0,catalog/* latestVersion */.qD)('3.3', options.edition);
            const reachable = last === undefined ? '' : ` (the newest Cassandra-capable release is ${(0,kong_version/* formatKongVersion */.Xz)(last)})`;
            throw (0,errors/* inputError */.Xu)('to', `Kong removed Cassandra support in 3.4.0, so a Cassandra deployment cannot upgrade to ${(0,kong_version/* formatKongVersion */.Xz)(to)}${reachable}; migrate the database to PostgreSQL first (Kong support assists), then plan again with database postgres`);
        }
    }
}
/** Special cases that pin the first stop before the normal route (the upgrade guide's reference.md). */
function requiredFirstHop(from, to, options) {
    const formatted = (0,kong_version/* formatKongVersion */.Xz)(from);
    if (options.deployment === 'hybrid' && HYBRID_PROTOCOL_TRAP.includes(formatted) && (0,kong_version/* compareKongVersions */.QR)(to, HYBRID_PROTOCOL_FIX) > 0) {
        return {
            to: HYBRID_PROTOCOL_FIX,
            rule: 'hybrid-3.1.1.2-first',
            reason: `hybrid ${formatted} speaks only the new CP/DP protocol; 3.1.1.2 speaks both, so stop there first`,
        };
    }
    if (options.strategy === 'blue-green' &&
        (0,kong_version/* releaseLine */.aY)(from) === '2.8' &&
        (0,kong_version/* compareKongVersions */.QR)(from, upgrade_path_BLUE_GREEN_MINIMUM) < 0 &&
        to.major >= 3) {
        return {
            to: waypoint('2.8', options.edition),
            rule: 'blue-green-needs-2.8.2',
            reason: 'blue-green towards 3.x needs 2.8.2 or later on the old cluster',
        };
    }
    return undefined;
}
/** The latest release of a waypoint line in the edition (Kong: stop at the latest patch). */
function waypoint(line, edition) {
    const version = (0,catalog/* latestVersion */.qD)(line, edition);
    if (version === undefined) {
        const name = edition === 'oss' ? 'OSS' : 'Enterprise';
        throw (0,errors/* inputError */.Xu)('to', `the path passes through ${line}, but the built-in catalog has no ${name} ${line} release to stop at (Enterprise data starts at 2.8); upgrade to ${line} by hand first, then plan again`);
    }
    return version;
}
/** Kong's guaranteed paths from one line, all towards newer lines. */
function edgesFrom(line) {
    const edges = [];
    const next = (0,catalog/* allLines */.bk)().find((l) => l.major === line.major && l.minor > line.minor);
    if (next)
        edges.push({ to: next.line, rule: 'adjacent-minor', reason: `adjacent minor releases ${line.line} → ${next.line}` });
    const lts = LTS_PAIRS[line.line];
    if (lts)
        edges.push({ to: lts.to, rule: 'lts-to-lts', reason: `adjacent LTS releases ${line.line} → ${lts.to}` });
    if (line.major === 2 && line.minor >= 1 && line.minor < 8) {
        edges.push({ to: '2.8', rule: 'to-2.8', reason: `any 2.1.x or later upgrades directly to 2.8.x` });
    }
    if (line.line === '2.8') {
        edges.push({ to: '3.0', rule: 'major-2-to-3', reason: '3.0 migrates from 2.x; 2.8 is the waypoint for every 2.x' });
    }
    if (line.major === 1) {
        edges.push({ to: '2.1', rule: 'from-1.x-to-2.1', reason: '1.x upgrades to 2.1 first, then on to 2.8 and 3.x' });
    }
    if (line.major === 0) {
        edges.push({ to: '1.5', rule: 'pre-1.0-to-1.5.0', reason: 'a database older than 1.0 migrates to 1.5.0 first', pinned: PRE_1_WAYPOINT });
    }
    return edges;
}
/**
 * Fewest hops, then most LTS hops. Every edge goes to a newer line, so visiting lines in
 * ascending order settles each line before it is extended.
 */
function shortestRoute(fromLine, toLine) {
    const best = new Map([[fromLine, { edges: [], nonLts: 0 }]]);
    for (const line of (0,catalog/* allLines */.bk)()) {
        const route = best.get(line.line);
        if (route === undefined || line.line === toLine)
            continue;
        for (const edge of edgesFrom(line)) {
            const candidate = { edges: [...route.edges, edge], nonLts: route.nonLts + (edge.rule === 'lts-to-lts' ? 0 : 1) };
            const current = best.get(edge.to);
            if (current === undefined || better(candidate, current))
                best.set(edge.to, candidate);
        }
    }
    const route = best.get(toLine);
    if (route === undefined) {
        throw (0,errors/* inputError */.Xu)('to', `Kong documents no upgrade path from ${fromLine} to ${toLine}; accepted targets are newer lines reachable by patch, adjacent-minor or LTS-to-LTS steps`);
    }
    return route.edges;
}
function better(a, b) {
    return a.edges.length < b.edges.length || (a.edges.length === b.edges.length && a.nonLts < b.nonLts);
}
function makeHop(from, to, rule, reason, options) {
    const edition = (0,kong_version/* editionOf */.yU)(from) !== (0,kong_version/* editionOf */.yU)(to) ? ` (OSS ${(0,kong_version/* formatKongVersion */.Xz)(from)} taken as Enterprise ${(0,kong_version/* formatKongVersion */.Xz)(from)}.0)` : '';
    const schema = schemaChange(from, to, options);
    return {
        from,
        to,
        rule,
        reason: reason + edition,
        facts: {
            schema,
            requiresFinish: schema.kind === 'migrations' && (schema.teardown.length > 0 || schema.coverage === 'partial'),
            deckConvert: deckConvert(from, to, rule),
            breaking: breakingMarkers(from, to, rule),
        },
    };
}
function schemaChange(from, to, options) {
    if (options.deployment === 'db-less')
        return { kind: 'no-database' };
    const teardown = teardownsBetween(from, to);
    const complete = options.edition === 'oss' && (0,kong_version/* compareKongVersions */.QR)(to, TEARDOWN_FACTS_END) <= 0;
    return {
        kind: 'migrations',
        teardown,
        coverage: complete ? 'complete' : 'partial',
        oldNodesAfterUp: true,
        oldNodesAfterFinish: complete && teardown.length === 0,
    };
}
function deckConvert(from, to, rule) {
    const pair = LTS_PAIRS[(0,kong_version/* releaseLine */.aY)(from)];
    if (rule === 'lts-to-lts' && pair) {
        const source = (0,kong_version/* releaseLine */.aY)(from);
        return { from: source, to: pair.to, minimumDeck: pair.minimumDeck, command: `deck file convert --from ${source} --to ${pair.to}` };
    }
    if (from.major === 2 && to.major === 3) {
        return {
            from: 'kong-gateway-2.x',
            to: 'kong-gateway-3.x',
            minimumDeck: undefined,
            command: 'deck file convert --from kong-gateway-2.x --to kong-gateway-3.x',
        };
    }
    return undefined;
}
function breakingMarkers(from, to, rule) {
    const markers = [];
    if (to.major > from.major)
        markers.push({ kind: 'major-version', from: from.major, to: to.major });
    if (rule === 'lts-to-lts')
        markers.push({ kind: 'lts-jump', from: (0,kong_version/* releaseLine */.aY)(from), to: (0,kong_version/* releaseLine */.aY)(to) });
    return markers;
}

// EXTERNAL MODULE: ./build/changelog/impact/crossing.js
var crossing = __nccwpck_require__(8846);
;// CONCATENATED MODULE: ./build/changelog/impact/curated-breaking.js

const CURATED_BREAKING_CHANGES = [
    {
        id: 'regex-path-prefix',
        appliesFrom: '3.0.0',
        title: 'Regex route paths must start with `~`',
        summary: 'From 3.0 a path counts as a regex only with a leading `~`; everything else is plain text. The database migration prefixes stored routes, but declarative files and scripts keep the old form until converted.',
        detectedBy: 'route-regex-prefix',
    },
    {
        id: 'regex-engine',
        appliesFrom: '3.0.0',
        title: 'Regex paths are compiled by a different engine',
        summary: 'The default 3.x router uses a Rust regex engine: look-around, backreferences, atomic groups and possessive quantifiers no longer compile.',
        detectedBy: 'route-regex-engine',
    },
    {
        id: 'router-flavor',
        appliesFrom: '3.0.0',
        title: 'New router by default (`router_flavor`)',
        summary: 'Routes are matched by atc-router (`traditional_compatible`) unless kong.conf asks for `traditional`; matching priorities can differ from 2.x.',
        detectedBy: 'router-flavor',
    },
    {
        id: 'worker-consistency-default',
        appliesFrom: '3.0.0',
        title: '`worker_consistency` defaults to `eventual`',
        summary: 'Workers rebuild routing state in the background instead of on the request path, so changes take effect slightly later.',
        detectedBy: 'kong-conf-default-changed',
    },
    {
        id: 'lua-ssl-trusted-certificate-default',
        appliesFrom: '3.0.0',
        title: '`lua_ssl_trusted_certificate` defaults to `system`',
        summary: 'Outbound TLS from Lua trusts the operating system CA store unless kong.conf says otherwise.',
        detectedBy: 'kong-conf-default-changed',
    },
    {
        id: 'pg-ssl-version-tlsv1',
        appliesFrom: '3.2.1',
        title: '`pg_ssl_version = tlsv1` is rejected',
        summary: 'Enterprise 3.2.1.0 and later need TLS 1.2 or newer to PostgreSQL (`pg_ssl_version` defaults to `tlsv1_2`); a kong.conf still asking for TLS 1.0 stops the node.',
        detectedBy: 'kong-conf-invalid-value',
    },
    {
        id: 'plugin-fields-removed',
        appliesFrom: '3.0.0',
        title: 'Deprecated plugin fields removed',
        summary: '`blacklist`/`whitelist` (ACL, IP Restriction, Bot Detection, Canary), `functions` (Pre/Post-Function), `proxy_scheme` (AWS Lambda) are gone, and HTTP Log takes one string per header.',
        detectedBy: 'plugin-changes',
    },
    {
        id: 'plugin-metrics-renamed',
        appliesFrom: '3.0.0',
        title: 'Prometheus and StatsD metrics renamed',
        summary: 'Dashboards and alerts built on 2.x metric names stop matching; several Prometheus metrics are also off by default.',
        detectedBy: 'plugin-changes',
    },
    {
        id: 'cassandra-removed',
        appliesFrom: '3.4.0',
        title: 'Cassandra is no longer supported',
        summary: 'From 3.4 the datastore is PostgreSQL or none; a Cassandra deployment has to move to PostgreSQL before upgrading.',
        detectedBy: 'kong-conf-invalid-value',
    },
    {
        id: 'kong-conf-properties-removed',
        appliesFrom: '3.4.0',
        title: 'kong.conf properties removed',
        summary: 'All `cassandra_*` settings and the data-plane config cache settings are gone; `admin_api_uri` gives way to `admin_gui_api_url`.',
        detectedBy: 'kong-conf-removed-property',
    },
    {
        id: 'status-listen-default',
        appliesFrom: '3.6.0',
        title: 'Status API listens by default',
        summary: '`status_listen` now opens 127.0.0.1:8007 unless kong.conf sets it, which can clash with whatever already uses that port.',
        detectedBy: 'kong-conf-default-changed',
    },
    {
        id: 'secure-by-default',
        appliesFrom: '3.14.0',
        title: 'Secure defaults for routes, services and auth plugins',
        summary: 'Routes default to HTTPS only, services verify upstream certificates, auth plugins hide credentials and plugins verify TLS, wherever the config leaves these fields out.',
        detectedBy: 'secure-by-default',
    },
];
/** The curated changes an upgrade from `from` to `to` crosses, oldest first. */
function crossedBreakingChanges(from, to) {
    return CURATED_BREAKING_CHANGES.filter((change) => (0,crossing/* crosses */.N)({ from, to }, change.appliesFrom));
}

// EXTERNAL MODULE: ./build/changelog/plan-changelog.js
var plan_changelog = __nccwpck_require__(1705);
// EXTERNAL MODULE: ./build/changelog/plan-impacts.js + 22 modules
var plan_impacts = __nccwpck_require__(746);
;// CONCATENATED MODULE: ./build/changelog/kong-conf-defaults.generated.js
// Generated by scripts/gen-kong-conf-data.mjs from kong.conf.default of each Kong/kong tag
// listed; do not edit. Per tag, oldest first, the properties in file order: a name alone has
// the previous tag's default, [name, default] is new or changed ('' for an empty default).
const KONG_CONF_DEFAULTS_DELTAS = [
    ["1.5.1", [["prefix", "/usr/local/kong/"], ["log_level", "notice"], ["proxy_access_log", "logs/access.log"], ["proxy_error_log", "logs/error.log"], ["admin_access_log", "logs/admin_access.log"], ["admin_error_log", "logs/error.log"], ["status_access_log", "off"], ["status_error_log", "logs/status_error.log"], ["plugins", "bundled"], ["anonymous_reports", "on"], ["service_mesh", "off"], ["proxy_listen", "0.0.0.0:8000, 0.0.0.0:8443 ssl"], ["stream_listen", "off"], ["admin_listen", "127.0.0.1:8001, 127.0.0.1:8444 ssl"], ["nginx_user", "nobody nobody"], ["nginx_worker_processes", "auto"], ["nginx_daemon", "on"], ["mem_cache_size", "128m"], ["ssl_cipher_suite", "modern"], ["ssl_ciphers", ""], ["ssl_cert", ""], ["ssl_cert_key", ""], ["client_ssl", "off"], ["client_ssl_cert", ""], ["client_ssl_cert_key", ""], ["admin_ssl_cert", ""], ["admin_ssl_cert_key", ""], ["headers", "server_tokens, latency_tokens"], ["trusted_ips", ""], ["real_ip_header", "X-Real-IP"], ["real_ip_recursive", "off"], ["client_max_body_size", "0"], ["client_body_buffer_size", "8k"], ["error_default_type", "text/plain"], ["nginx_http_ssl_protocols", "TLSv1.1 TLSv1.2 TLSv1.3"], ["nginx_http_upstream_keepalive", "60"], ["nginx_http_upstream_keepalive_requests", "100"], ["nginx_http_upstream_keepalive_timeout", "60s"], ["database", "postgres"], ["pg_host", "127.0.0.1"], ["pg_port", "5432"], ["pg_timeout", "5000"], ["pg_user", "kong"], ["pg_password", ""], ["pg_database", "kong"], ["pg_schema", ""], ["pg_ssl", "off"], ["pg_ssl_verify", "off"], ["pg_max_concurrent_queries", "0"], ["pg_semaphore_timeout", "60000"], ["cassandra_contact_points", "127.0.0.1"], ["cassandra_port", "9042"], ["cassandra_keyspace", "kong"], ["cassandra_consistency", "ONE"], ["cassandra_timeout", "5000"], ["cassandra_ssl", "off"], ["cassandra_ssl_verify", "off"], ["cassandra_username", "kong"], ["cassandra_password", ""], ["cassandra_lb_policy", "RequestRoundRobin"], ["cassandra_local_datacenter", ""], ["cassandra_refresh_frequency", "60"], ["cassandra_repl_strategy", "SimpleStrategy"], ["cassandra_repl_factor", "1"], ["cassandra_data_centers", "dc1:2,dc2:3"], ["cassandra_schema_consensus_timeout", "10000"], ["declarative_config", ""], ["db_update_frequency", "5"], ["db_update_propagation", "0"], ["db_cache_ttl", "0"], ["db_resurrect_ttl", "30"], ["db_cache_warmup_entities", "services, plugins"], ["dns_resolver", ""], ["dns_hostsfile", "/etc/hosts"], ["dns_order", "LAST,SRV,A,CNAME"], ["dns_valid_ttl", ""], ["dns_stale_ttl", "4"], ["dns_not_found_ttl", "30"], ["dns_error_ttl", "1"], ["dns_no_sync", "off"], ["router_consistency", "strict"], ["router_update_frequency", "1"], ["lua_ssl_trusted_certificate", ""], ["lua_ssl_verify_depth", "1"], ["lua_package_path", "./?.lua;./?/init.lua;"], ["lua_package_cpath", ""], ["lua_socket_pool_size", "30"]]],
    ["2.1.0", ["prefix", "log_level", "proxy_access_log", "proxy_error_log", "admin_access_log", "admin_error_log", "status_access_log", "status_error_log", "plugins", ["go_pluginserver_exe", "/usr/local/bin/go-pluginserver"], ["go_plugins_dir", "off"], ["port_maps", ""], "anonymous_reports", ["role", "traditional"], ["cluster_cert", ""], ["cluster_cert_key", ""], ["cluster_control_plane", ""], ["cluster_listen", "0.0.0.0:8005"], ["proxy_listen", "0.0.0.0:8000 reuseport backlog=16384, 0.0.0.0:8443 http2 ssl reuseport backlog=16384"], "stream_listen", ["admin_listen", "127.0.0.1:8001 reuseport backlog=16384, 127.0.0.1:8444 http2 ssl reuseport backlog=16384"], "nginx_user", "nginx_worker_processes", "nginx_daemon", "mem_cache_size", ["ssl_cipher_suite", "intermediate"], "ssl_ciphers", ["ssl_protocols", "TLSv1.1 TLSv1.2 TLSv1.3"], ["ssl_prefer_server_ciphers", "on"], ["ssl_session_tickets", "on"], ["ssl_session_timeout", "1d"], "ssl_cert", "ssl_cert_key", "client_ssl", "client_ssl_cert", "client_ssl_cert_key", "admin_ssl_cert", "admin_ssl_cert_key", ["status_ssl_cert", ""], ["status_ssl_cert_key", ""], "headers", "trusted_ips", "real_ip_header", "real_ip_recursive", "error_default_type", ["upstream_keepalive_pool_size", "60"], ["upstream_keepalive_max_requests", "100"], ["upstream_keepalive_idle_timeout", "60"], ["nginx_main_worker_rlimit_nofile", "auto"], ["nginx_events_worker_connections", "auto"], ["nginx_http_client_header_buffer_size", "1k"], ["nginx_http_large_client_header_buffers", "4 8k"], ["nginx_http_client_max_body_size", "0"], ["nginx_http_client_body_buffer_size", "8k"], "database", "pg_host", "pg_port", "pg_timeout", "pg_user", "pg_password", "pg_database", "pg_schema", "pg_ssl", "pg_ssl_verify", "pg_max_concurrent_queries", "pg_semaphore_timeout", ["pg_ro_host", "NONE"], ["pg_ro_port", "<pg_port>"], ["pg_ro_timeout", "<pg_timeout>"], ["pg_ro_user", "<pg_user>"], ["pg_ro_password", "<pg_password>"], ["pg_ro_database", "<pg_database>"], ["pg_ro_schema", "<pg_schema>"], ["pg_ro_ssl", "<pg_ssl>"], ["pg_ro_ssl_verify", "<pg_ssl_verify>"], ["pg_ro_max_concurrent_queries", "<pg_max_concurrent_queries>"], ["pg_ro_semaphore_timeout", "<pg_semaphore_timeout>"], "cassandra_contact_points", "cassandra_port", "cassandra_keyspace", ["cassandra_write_consistency", "ONE"], ["cassandra_read_consistency", "ONE"], "cassandra_timeout", "cassandra_ssl", "cassandra_ssl_verify", "cassandra_username", "cassandra_password", "cassandra_lb_policy", "cassandra_local_datacenter", "cassandra_refresh_frequency", "cassandra_repl_strategy", "cassandra_repl_factor", "cassandra_data_centers", "cassandra_schema_consensus_timeout", "declarative_config", "db_update_frequency", "db_update_propagation", "db_cache_ttl", ["db_cache_neg_ttl", ""], "db_resurrect_ttl", "db_cache_warmup_entities", "dns_resolver", "dns_hostsfile", "dns_order", "dns_valid_ttl", "dns_stale_ttl", "dns_not_found_ttl", "dns_error_ttl", "dns_no_sync", ["worker_consistency", "strict"], ["worker_state_update_frequency", "5"], "lua_ssl_trusted_certificate", "lua_ssl_verify_depth", "lua_package_path", "lua_package_cpath", "lua_socket_pool_size"]],
    ["2.8.0", ["prefix", "log_level", "proxy_access_log", "proxy_error_log", ["proxy_stream_access_log", "logs/access.log basic"], ["proxy_stream_error_log", "logs/error.log"], "admin_access_log", "admin_error_log", "status_access_log", "status_error_log", ["vaults", "off"], "plugins", ["pluginserver_names", ""], "port_maps", "anonymous_reports", "role", ["cluster_mtls", "shared"], "cluster_cert", "cluster_cert_key", ["cluster_ca_cert", ""], ["cluster_server_name", ""], "cluster_control_plane", ["cluster_max_payload", "4194304"], "cluster_listen", ["cluster_data_plane_purge_delay", "1209600"], ["cluster_ocsp", "off"], "proxy_listen", "stream_listen", "admin_listen", ["status_listen", "off"], ["nginx_user", "kong kong"], "nginx_worker_processes", "nginx_daemon", "mem_cache_size", "ssl_cipher_suite", "ssl_ciphers", "ssl_protocols", "ssl_prefer_server_ciphers", ["ssl_dhparam", ""], "ssl_session_tickets", "ssl_session_timeout", "ssl_cert", "ssl_cert_key", "client_ssl", "client_ssl_cert", "client_ssl_cert_key", "admin_ssl_cert", "admin_ssl_cert_key", "status_ssl_cert", "status_ssl_cert_key", "headers", "trusted_ips", "real_ip_header", "real_ip_recursive", "error_default_type", "upstream_keepalive_pool_size", "upstream_keepalive_max_requests", "upstream_keepalive_idle_timeout", "nginx_main_worker_rlimit_nofile", "nginx_events_worker_connections", "nginx_http_client_header_buffer_size", "nginx_http_large_client_header_buffers", "nginx_http_client_max_body_size", ["nginx_admin_client_max_body_size", "10m"], "nginx_http_client_body_buffer_size", ["nginx_admin_client_body_buffer_size", "10m"], ["nginx_http_lua_regex_match_limit", "100000"], "database", "pg_host", "pg_port", "pg_timeout", "pg_user", "pg_password", "pg_database", "pg_schema", "pg_ssl", "pg_ssl_verify", "pg_max_concurrent_queries", "pg_semaphore_timeout", ["pg_ro_host", ""], "pg_ro_port", "pg_ro_timeout", "pg_ro_user", "pg_ro_password", "pg_ro_database", "pg_ro_schema", "pg_ro_ssl", "pg_ro_ssl_verify", "pg_ro_max_concurrent_queries", "pg_ro_semaphore_timeout", "cassandra_contact_points", "cassandra_port", "cassandra_keyspace", "cassandra_write_consistency", "cassandra_read_consistency", "cassandra_timeout", "cassandra_ssl", "cassandra_ssl_verify", "cassandra_username", "cassandra_password", "cassandra_lb_policy", "cassandra_local_datacenter", "cassandra_refresh_frequency", "cassandra_repl_strategy", "cassandra_repl_factor", "cassandra_data_centers", "cassandra_schema_consensus_timeout", "declarative_config", ["declarative_config_string", ""], "db_update_frequency", "db_update_propagation", "db_cache_ttl", "db_cache_neg_ttl", "db_resurrect_ttl", ["db_cache_warmup_entities", "services"], "dns_resolver", "dns_hostsfile", "dns_order", "dns_valid_ttl", "dns_stale_ttl", ["dns_cache_size", "10000"], "dns_not_found_ttl", "dns_error_ttl", "dns_no_sync", "worker_consistency", "worker_state_update_frequency", "lua_ssl_trusted_certificate", "lua_ssl_verify_depth", ["lua_ssl_protocols", "TLSv1.1 TLSv1.2 TLSv1.3"], "lua_package_path", "lua_package_cpath", "lua_socket_pool_size", ["untrusted_lua", "sandbox"], ["untrusted_lua_sandbox_requires", ""], ["untrusted_lua_sandbox_environment", ""]]],
    ["3.0.0", ["prefix", "log_level", "proxy_access_log", "proxy_error_log", "proxy_stream_access_log", "proxy_stream_error_log", "admin_access_log", "admin_error_log", "status_access_log", "status_error_log", ["vaults", "bundled"], ["opentelemetry_tracing", "off"], ["opentelemetry_tracing_sampling_rate", "1.0"], "plugins", "pluginserver_names", "port_maps", "anonymous_reports", "role", "cluster_mtls", "cluster_cert", "cluster_cert_key", "cluster_ca_cert", "cluster_server_name", "cluster_control_plane", "cluster_max_payload", "cluster_listen", "cluster_data_plane_purge_delay", "cluster_ocsp", "proxy_listen", "stream_listen", "admin_listen", "status_listen", "nginx_user", "nginx_worker_processes", "nginx_daemon", "mem_cache_size", "ssl_cipher_suite", "ssl_ciphers", "ssl_protocols", "ssl_prefer_server_ciphers", "ssl_dhparam", "ssl_session_tickets", "ssl_session_timeout", "ssl_cert", "ssl_cert_key", "client_ssl", "client_ssl_cert", "client_ssl_cert_key", "admin_ssl_cert", "admin_ssl_cert_key", "status_ssl_cert", "status_ssl_cert_key", "headers", "trusted_ips", "real_ip_header", "real_ip_recursive", "error_default_type", "upstream_keepalive_pool_size", "upstream_keepalive_max_requests", "upstream_keepalive_idle_timeout", "nginx_main_worker_rlimit_nofile", "nginx_events_worker_connections", "nginx_http_client_header_buffer_size", "nginx_http_large_client_header_buffers", "nginx_http_client_max_body_size", "nginx_admin_client_max_body_size", "nginx_http_client_body_buffer_size", "nginx_admin_client_body_buffer_size", "nginx_http_lua_regex_match_limit", "database", "pg_host", "pg_port", "pg_timeout", "pg_user", "pg_password", "pg_database", "pg_schema", "pg_ssl", "pg_ssl_verify", "pg_max_concurrent_queries", "pg_semaphore_timeout", "pg_ro_host", "pg_ro_port", "pg_ro_timeout", "pg_ro_user", "pg_ro_password", "pg_ro_database", "pg_ro_schema", "pg_ro_ssl", "pg_ro_ssl_verify", "pg_ro_max_concurrent_queries", "pg_ro_semaphore_timeout", "cassandra_contact_points", "cassandra_port", "cassandra_keyspace", "cassandra_write_consistency", "cassandra_read_consistency", "cassandra_timeout", "cassandra_ssl", "cassandra_ssl_verify", "cassandra_username", "cassandra_password", "cassandra_lb_policy", "cassandra_local_datacenter", "cassandra_refresh_frequency", "cassandra_repl_strategy", "cassandra_repl_factor", "cassandra_data_centers", "cassandra_schema_consensus_timeout", "declarative_config", "declarative_config_string", "db_update_frequency", "db_update_propagation", "db_cache_ttl", "db_cache_neg_ttl", "db_resurrect_ttl", "db_cache_warmup_entities", "dns_resolver", "dns_hostsfile", "dns_order", "dns_valid_ttl", "dns_stale_ttl", "dns_cache_size", "dns_not_found_ttl", "dns_error_ttl", "dns_no_sync", ["worker_consistency", "eventual"], "worker_state_update_frequency", ["router_flavor", "traditional_compatible"], ["lua_ssl_trusted_certificate", "system"], "lua_ssl_verify_depth", "lua_ssl_protocols", "lua_package_path", "lua_package_cpath", "lua_socket_pool_size", "untrusted_lua", "untrusted_lua_sandbox_requires", "untrusted_lua_sandbox_environment", ["openresty_path", ""]]],
    ["3.4.0", ["prefix", "log_level", "proxy_access_log", "proxy_error_log", "proxy_stream_access_log", "proxy_stream_error_log", "admin_access_log", "admin_error_log", "status_access_log", "status_error_log", "vaults", "opentelemetry_tracing", ["tracing_instrumentations", "off"], "opentelemetry_tracing_sampling_rate", ["tracing_sampling_rate", "0.01"], "plugins", "pluginserver_names", "port_maps", "anonymous_reports", ["proxy_server", ""], ["proxy_server_ssl_verify", "off"], ["error_template_html", ""], ["error_template_json", ""], ["error_template_xml", ""], ["error_template_plain", ""], "role", "cluster_mtls", "cluster_cert", "cluster_cert_key", "cluster_ca_cert", "cluster_server_name", "cluster_control_plane", ["cluster_max_payload", "16777216"], ["cluster_dp_labels", ""], "cluster_listen", "cluster_data_plane_purge_delay", "cluster_ocsp", ["cluster_use_proxy", "off"], "proxy_listen", "stream_listen", "admin_listen", "status_listen", "nginx_user", "nginx_worker_processes", "nginx_daemon", "mem_cache_size", "ssl_cipher_suite", "ssl_ciphers", "ssl_protocols", "ssl_prefer_server_ciphers", "ssl_dhparam", "ssl_session_tickets", "ssl_session_timeout", ["ssl_session_cache_size", "10m"], "ssl_cert", "ssl_cert_key", "client_ssl", "client_ssl_cert", "client_ssl_cert_key", "admin_ssl_cert", "admin_ssl_cert_key", "status_ssl_cert", "status_ssl_cert_key", "headers", "trusted_ips", "real_ip_header", "real_ip_recursive", "error_default_type", "upstream_keepalive_pool_size", "upstream_keepalive_max_requests", "upstream_keepalive_idle_timeout", ["allow_debug_header", "off"], "nginx_main_worker_rlimit_nofile", "nginx_events_worker_connections", "nginx_http_client_header_buffer_size", "nginx_http_large_client_header_buffers", "nginx_http_client_max_body_size", "nginx_admin_client_max_body_size", ["nginx_http_charset", "UTF-8"], "nginx_http_client_body_buffer_size", "nginx_admin_client_body_buffer_size", "nginx_http_lua_regex_match_limit", ["nginx_http_lua_regex_cache_max_entries", "8192"], "database", "pg_host", "pg_port", "pg_timeout", "pg_user", "pg_password", "pg_database", "pg_schema", "pg_ssl", "pg_ssl_verify", "pg_max_concurrent_queries", "pg_semaphore_timeout", ["pg_keepalive_timeout", ""], ["pg_pool_size", ""], ["pg_backlog", ""], "pg_ro_host", "pg_ro_port", "pg_ro_timeout", "pg_ro_user", "pg_ro_password", "pg_ro_database", "pg_ro_schema", "pg_ro_ssl", "pg_ro_ssl_verify", "pg_ro_max_concurrent_queries", "pg_ro_semaphore_timeout", ["pg_ro_keepalive_timeout", "<pg_keepalive_timeout>"], ["pg_ro_pool_size", "<pg_pool_size>"], ["pg_ro_backlog", "<pg_backlog>"], "declarative_config", "declarative_config_string", ["lmdb_environment_path", "dbless.lmdb"], ["lmdb_map_size", "2048m"], "db_update_frequency", "db_update_propagation", "db_cache_ttl", "db_cache_neg_ttl", "db_resurrect_ttl", "db_cache_warmup_entities", "dns_resolver", "dns_hostsfile", "dns_order", "dns_valid_ttl", "dns_stale_ttl", "dns_cache_size", "dns_not_found_ttl", "dns_error_ttl", "dns_no_sync", ["vault_env_prefix", ""], "worker_consistency", "worker_state_update_frequency", "router_flavor", ["lua_max_req_headers", "100"], ["lua_max_resp_headers", "100"], ["lua_max_uri_args", "100"], ["lua_max_post_args", "100"], "lua_ssl_trusted_certificate", "lua_ssl_verify_depth", "lua_ssl_protocols", "lua_package_path", "lua_package_cpath", "lua_socket_pool_size", "untrusted_lua", "untrusted_lua_sandbox_requires", "untrusted_lua_sandbox_environment", "openresty_path", ["node_id", ""], ["admin_gui_listen", "0.0.0.0:8002, 0.0.0.0:8445 ssl"], ["admin_gui_url", ""], ["admin_gui_path", "/"], ["admin_gui_api_url", ""], ["admin_gui_ssl_cert", ""], ["admin_gui_ssl_cert_key", ""], ["admin_gui_access_log", "logs/admin_gui_access.log"], ["admin_gui_error_log", "logs/admin_gui_error.log"], ["wasm", "off"], ["wasm_filters_path", ""]]],
    ["3.4.2", ["prefix", "log_level", "proxy_access_log", "proxy_error_log", "proxy_stream_access_log", "proxy_stream_error_log", "admin_access_log", "admin_error_log", "status_access_log", "status_error_log", "vaults", "opentelemetry_tracing", "tracing_instrumentations", "opentelemetry_tracing_sampling_rate", "tracing_sampling_rate", "plugins", "pluginserver_names", "port_maps", "anonymous_reports", "proxy_server", "proxy_server_ssl_verify", "error_template_html", "error_template_json", "error_template_xml", "error_template_plain", "role", "cluster_mtls", "cluster_cert", "cluster_cert_key", "cluster_ca_cert", "cluster_server_name", "cluster_control_plane", "cluster_max_payload", "cluster_dp_labels", "cluster_listen", "cluster_data_plane_purge_delay", "cluster_ocsp", "cluster_use_proxy", "proxy_listen", "stream_listen", "admin_listen", "status_listen", "nginx_user", "nginx_worker_processes", "nginx_daemon", "mem_cache_size", "ssl_cipher_suite", "ssl_ciphers", "ssl_protocols", "ssl_prefer_server_ciphers", "ssl_dhparam", "ssl_session_tickets", "ssl_session_timeout", "ssl_session_cache_size", "ssl_cert", "ssl_cert_key", "client_ssl", "client_ssl_cert", "client_ssl_cert_key", "admin_ssl_cert", "admin_ssl_cert_key", "status_ssl_cert", "status_ssl_cert_key", "headers", "trusted_ips", "real_ip_header", "real_ip_recursive", "error_default_type", ["upstream_keepalive_pool_size", "512"], ["upstream_keepalive_max_requests", "1000"], "upstream_keepalive_idle_timeout", "allow_debug_header", "nginx_main_worker_rlimit_nofile", "nginx_events_worker_connections", "nginx_http_client_header_buffer_size", "nginx_http_large_client_header_buffers", "nginx_http_client_max_body_size", "nginx_admin_client_max_body_size", "nginx_http_charset", "nginx_http_client_body_buffer_size", "nginx_admin_client_body_buffer_size", "nginx_http_lua_regex_match_limit", "nginx_http_lua_regex_cache_max_entries", ["nginx_http_keepalive_requests", "1000"], "database", "pg_host", "pg_port", "pg_timeout", "pg_user", "pg_password", "pg_database", "pg_schema", "pg_ssl", "pg_ssl_verify", "pg_max_concurrent_queries", "pg_semaphore_timeout", "pg_keepalive_timeout", "pg_pool_size", "pg_backlog", "pg_ro_host", "pg_ro_port", "pg_ro_timeout", "pg_ro_user", "pg_ro_password", "pg_ro_database", "pg_ro_schema", "pg_ro_ssl", "pg_ro_ssl_verify", "pg_ro_max_concurrent_queries", "pg_ro_semaphore_timeout", "pg_ro_keepalive_timeout", "pg_ro_pool_size", "pg_ro_backlog", "declarative_config", "declarative_config_string", "lmdb_environment_path", "lmdb_map_size", "db_update_frequency", "db_update_propagation", "db_cache_ttl", "db_cache_neg_ttl", "db_resurrect_ttl", "db_cache_warmup_entities", "dns_resolver", "dns_hostsfile", "dns_order", "dns_valid_ttl", "dns_stale_ttl", "dns_cache_size", "dns_not_found_ttl", "dns_error_ttl", "dns_no_sync", "vault_env_prefix", "worker_consistency", "worker_state_update_frequency", "router_flavor", "lua_max_req_headers", "lua_max_resp_headers", "lua_max_uri_args", "lua_max_post_args", "lua_ssl_trusted_certificate", "lua_ssl_verify_depth", "lua_ssl_protocols", "lua_package_path", "lua_package_cpath", "lua_socket_pool_size", "untrusted_lua", "untrusted_lua_sandbox_requires", "untrusted_lua_sandbox_environment", "openresty_path", "node_id", "admin_gui_listen", "admin_gui_url", "admin_gui_path", "admin_gui_api_url", "admin_gui_ssl_cert", "admin_gui_ssl_cert_key", "admin_gui_access_log", "admin_gui_error_log", "wasm", "wasm_filters_path"]],
    ["3.9.3", ["prefix", "log_level", "proxy_access_log", "proxy_error_log", "proxy_stream_access_log", "proxy_stream_error_log", "admin_access_log", "admin_error_log", "status_access_log", "status_error_log", "vaults", "opentelemetry_tracing", "tracing_instrumentations", "opentelemetry_tracing_sampling_rate", "tracing_sampling_rate", "plugins", ["dedicated_config_processing", "on"], "pluginserver_names", "port_maps", "anonymous_reports", "proxy_server", "proxy_server_ssl_verify", "error_template_html", "error_template_json", "error_template_xml", "error_template_plain", "role", "cluster_mtls", "cluster_cert", "cluster_cert_key", "cluster_ca_cert", "cluster_server_name", "cluster_control_plane", "cluster_max_payload", "cluster_dp_labels", "cluster_listen", "cluster_data_plane_purge_delay", "cluster_ocsp", "cluster_use_proxy", "proxy_listen", "stream_listen", "admin_listen", ["status_listen", "127.0.0.1:8007 reuseport backlog=16384"], "nginx_user", "nginx_worker_processes", "nginx_daemon", "mem_cache_size", "ssl_cipher_suite", "ssl_ciphers", ["ssl_protocols", "TLSv1.2 TLSv1.3"], "ssl_prefer_server_ciphers", "ssl_dhparam", "ssl_session_tickets", "ssl_session_timeout", "ssl_session_cache_size", "ssl_cert", "ssl_cert_key", "client_ssl", "client_ssl_cert", "client_ssl_cert_key", "admin_ssl_cert", "admin_ssl_cert_key", "status_ssl_cert", "status_ssl_cert_key", ["debug_ssl_cert", ""], ["debug_ssl_cert_key", ""], ["headers", "server_tokens, latency_tokens, X-Kong-Request-Id"], ["headers_upstream", "X-Kong-Request-Id"], "trusted_ips", "real_ip_header", "real_ip_recursive", "error_default_type", "upstream_keepalive_pool_size", ["upstream_keepalive_max_requests", "10000"], "upstream_keepalive_idle_timeout", "allow_debug_header", "nginx_main_worker_rlimit_nofile", "nginx_events_worker_connections", "nginx_http_client_header_buffer_size", "nginx_http_large_client_header_buffers", "nginx_http_client_max_body_size", "nginx_admin_client_max_body_size", "nginx_http_charset", "nginx_http_client_body_buffer_size", "nginx_admin_client_body_buffer_size", "nginx_http_lua_regex_match_limit", "nginx_http_lua_regex_cache_max_entries", ["nginx_http_keepalive_requests", "10000"], "database", "pg_host", "pg_port", "pg_timeout", "pg_user", "pg_password", "pg_database", "pg_schema", "pg_ssl", "pg_ssl_verify", "pg_max_concurrent_queries", "pg_semaphore_timeout", "pg_keepalive_timeout", "pg_pool_size", "pg_backlog", "pg_ro_host", "pg_ro_port", "pg_ro_timeout", "pg_ro_user", "pg_ro_password", "pg_ro_database", "pg_ro_schema", "pg_ro_ssl", "pg_ro_ssl_verify", "pg_ro_max_concurrent_queries", "pg_ro_semaphore_timeout", "pg_ro_keepalive_timeout", "pg_ro_pool_size", "pg_ro_backlog", "declarative_config", "declarative_config_string", "lmdb_environment_path", "lmdb_map_size", "db_update_frequency", "db_update_propagation", "db_cache_ttl", "db_cache_neg_ttl", "db_resurrect_ttl", "db_cache_warmup_entities", "dns_resolver", "dns_hostsfile", "dns_order", "dns_valid_ttl", ["dns_stale_ttl", "3600"], "dns_cache_size", "dns_not_found_ttl", "dns_error_ttl", "dns_no_sync", ["new_dns_client", "off"], ["resolver_address", "<name servers parsed from resolv.conf>"], ["resolver_hosts_file", "/etc/hosts"], ["resolver_family", "A,SRV"], ["resolver_valid_ttl", "<TTL from responses>"], ["resolver_error_ttl", "1"], ["resolver_stale_ttl", "3600"], ["resolver_lru_cache_size", "10000"], ["resolver_mem_cache_size", "5m"], "vault_env_prefix", "worker_consistency", "worker_state_update_frequency", "router_flavor", "lua_max_req_headers", "lua_max_resp_headers", "lua_max_uri_args", "lua_max_post_args", "lua_ssl_trusted_certificate", "lua_ssl_verify_depth", ["lua_ssl_protocols", "TLSv1.2 TLSv1.3"], "lua_package_path", "lua_package_cpath", ["lua_socket_pool_size", "256"], "untrusted_lua", "untrusted_lua_sandbox_requires", "untrusted_lua_sandbox_environment", "openresty_path", "node_id", "admin_gui_listen", "admin_gui_url", "admin_gui_path", "admin_gui_api_url", "admin_gui_ssl_cert", "admin_gui_ssl_cert_key", "admin_gui_access_log", "admin_gui_error_log", "wasm", "wasm_filters_path", ["wasm_filters", "bundled,user"], ["request_debug", "on"], ["request_debug_token", "<random>"]]],
];

;// CONCATENATED MODULE: ./build/changelog/kong-conf-builtin.js


/** Tag → its defaults in file order, expanded from the generated deltas. */
const KONG_CONF_DEFAULTS_BY_TAG = (() => {
    const byTag = new Map();
    let previous = new Map();
    for (const [tag, entries] of KONG_CONF_DEFAULTS_DELTAS) {
        const defaults = new Map(entries.map((entry) => (typeof entry === 'string' ? [entry, previous.get(entry)] : entry)));
        byTag.set(tag, defaults);
        previous = defaults;
    }
    return byTag;
})();
const KNOWN = [...KONG_CONF_DEFAULTS_BY_TAG]
    .map(([tag, defaults]) => ({ tag, version: (0,kong_version/* tryParseKongVersion */.SC)(tag), defaults }))
    .sort((a, b) => (0,kong_version/* compareKongVersions */.QR)(b.version, a.version));
function builtInKongConfDefaults(version) {
    const wanted = (0,kong_version/* formatKongVersion */.Xz)(version);
    if ((0,kong_version/* editionOf */.yU)(version) === 'enterprise') {
        return { kind: 'not-available', reason: `Kong publishes no kong.conf.default for Enterprise ${wanted}` };
    }
    const known = KNOWN.find((entry) => (0,kong_version/* sameLine */.tW)(entry.version, version) && (0,kong_version/* compareKongVersions */.QR)(entry.version, version) <= 0);
    if (!known) {
        return { kind: 'not-available', reason: `no built-in kong.conf.default for the ${(0,kong_version/* releaseLine */.aY)(version)} line at or below ${wanted}` };
    }
    return {
        kind: 'available',
        tag: known.tag,
        match: (0,kong_version/* compareKongVersions */.QR)(known.version, version) === 0 ? 'exact' : 'nearest-below',
        defaults: known.defaults,
    };
}

// EXTERNAL MODULE: ./build/changelog/kong-conf.js + 1 modules
var kong_conf = __nccwpck_require__(3052);
// EXTERNAL MODULE: ./build/changelog/sources/remote-file.js
var remote_file = __nccwpck_require__(7727);
;// CONCATENATED MODULE: ./build/changelog/plan-kong-conf.js





/**
 * kong.conf.default of both ends, fetched at the OSS tags (or from the cache), else built in.
 * Enterprise publishes no kong.conf.default, so an Enterprise plan says so instead of guessing.
 */
async function loadKongConfChanges(from, to, read, now) {
    if ((0,kong_version/* editionOf */.yU)(to) === 'enterprise') {
        return notAvailable(`Kong publishes no kong.conf.default for Enterprise ${(0,kong_version/* formatKongVersion */.Xz)(to)}`);
    }
    if (read !== undefined) {
        try {
            const [a, b] = await Promise.all([read((0,remote_file/* kongConfDefaultAt */.aH)((0,kong_version/* formatKongVersion */.Xz)(from))), read((0,remote_file/* kongConfDefaultAt */.aH)((0,kong_version/* formatKongVersion */.Xz)(to)))]);
            return available((0,kong_version/* formatKongVersion */.Xz)(from), (0,kong_conf/* parseKongConfDefault */.KQ)(a.text), (0,kong_version/* formatKongVersion */.Xz)(to), (0,kong_conf/* parseKongConfDefault */.KQ)(b.text), [
                (0,plan_changelog/* sourceFileOf */.XQ)(`kong.conf.default ${(0,kong_version/* formatKongVersion */.Xz)(from)}`, a, now),
                (0,plan_changelog/* sourceFileOf */.XQ)(`kong.conf.default ${(0,kong_version/* formatKongVersion */.Xz)(to)}`, b, now),
            ]);
        }
        catch {
            // Not fetched (unreachable, not cached): the built-in defaults below still answer.
        }
    }
    const a = builtInKongConfDefaults(from);
    const b = builtInKongConfDefaults(to);
    if (a.kind === 'not-available')
        return notAvailable(a.reason);
    if (b.kind === 'not-available')
        return notAvailable(b.reason);
    const label = (tag, match) => (match === 'exact' ? tag : `${tag} (nearest built-in)`);
    return available(label(a.tag, a.match), a.defaults, label(b.tag, b.match), b.defaults, []);
}
function available(fromTag, from, toTag, to, files) {
    return { changes: { available: true, fromTag, toTag, ...(0,kong_conf/* diffKongConf */.py)(from, to) }, defaults: { from, to }, files };
}
function notAvailable(reason) {
    return { changes: { available: false, reason }, defaults: undefined, files: [] };
}

// EXTERNAL MODULE: ./build/changelog/plan-types.js
var plan_types = __nccwpck_require__(6790);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __nccwpck_require__(1455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __nccwpck_require__(6760);
;// CONCATENATED MODULE: ./build/changelog/sources/cache.js


function locate(dir, file) {
    // Refs and paths come from our own constants and version tags; still keep them inside dir.
    const target = external_node_path_.resolve(dir, file.owner, file.repo, file.ref, file.path);
    if (!target.startsWith(external_node_path_.resolve(dir) + external_node_path_.sep))
        throw new Error(`cache path escapes ${dir}`);
    return target;
}
async function readCached(dir, file) {
    const location = locate(dir, file);
    try {
        const [text, metaText] = await Promise.all([(0,promises_.readFile)(location, 'utf8'), (0,promises_.readFile)(`${location}.meta.json`, 'utf8')]);
        const meta = JSON.parse(metaText);
        return { file, text, etag: meta.etag, fetchedAt: meta.fetchedAt, via: 'cache' };
    }
    catch {
        return undefined;
    }
}
/** Written content first, then its meta, each through a rename: a reader never sees half a file. */
async function writeCached(dir, fetched) {
    const location = locate(dir, fetched.file);
    await (0,promises_.mkdir)(external_node_path_.dirname(location), { recursive: true });
    const meta = { etag: fetched.etag, fetchedAt: fetched.fetchedAt };
    await writeAtomically(location, fetched.text);
    await writeAtomically(`${location}.meta.json`, JSON.stringify(meta));
}
async function writeAtomically(target, text) {
    const temporary = `${target}.${process.pid}.tmp`;
    await (0,promises_.writeFile)(temporary, text);
    await (0,promises_.rename)(temporary, target);
}

;// CONCATENATED MODULE: ./build/changelog/sources/github.js



/**
 * Reads files through the contents API with the raw media type: the Enterprise changelog is
 * over the 1 MB limit of the JSON form (facts A.3b). A cached copy is revalidated with
 * If-None-Match, so an unchanged file costs a 304 that GitHub does not count against the
 * rate limit.
 */
function createGithubReader(options) {
    // Loaded on first use: an offline plan never pays for Octokit at start-up (bench/plan.mjs).
    const client = __nccwpck_require__.e(/* import() */ 891).then(__nccwpck_require__.bind(__nccwpck_require__, 891)).then(({ Octokit }) => new Octokit({
        auth: options.token,
        baseUrl: options.baseUrl,
        userAgent: 'kong-upgrade-actions',
        request: { timeout: options.timeoutMs },
        log: { debug: () => { }, info: () => { }, warn: () => { }, error: () => { } },
    }));
    return async (file) => {
        const octokit = await client;
        const cached = options.cacheDir === undefined ? undefined : await readCached(options.cacheDir, file);
        const headers = {};
        if (cached?.etag !== undefined)
            headers['if-none-match'] = cached.etag;
        try {
            const response = await octokit.rest.repos.getContent({
                owner: file.owner,
                repo: file.repo,
                path: file.path,
                ref: file.ref,
                mediaType: { format: 'raw' },
                headers,
            });
            const fetched = {
                file,
                text: String(response.data),
                etag: response.headers.etag,
                fetchedAt: new Date().toISOString(),
                via: 'network',
            };
            if (options.cacheDir !== undefined)
                await writeCached(options.cacheDir, fetched);
            return fetched;
        }
        catch (error) {
            const status = error.status;
            if (status === 304 && cached !== undefined)
                return { ...cached, via: 'revalidated' };
            throw describeFailure(file, error);
        }
    };
}
function describeFailure(file, error) {
    const failure = error;
    const headers = failure.response?.headers ?? {};
    const what = `fetching ${(0,remote_file/* describeRemoteFile */.cX)(file)}`;
    if ((failure.status === 403 || failure.status === 429) && headers['x-ratelimit-remaining'] === '0') {
        const reset = Number(headers['x-ratelimit-reset']);
        const when = Number.isFinite(reset) ? new Date(reset * 1000).toISOString() : 'an unknown time';
        return (0,errors/* stepError */.hH)(what, `GitHub's API rate limit is used up until ${when}; give a token (input 'github-token'), wait, or plan offline`, error);
    }
    if (failure.status === 404)
        return (0,errors/* stepError */.hH)(what, 'not found (404)', error);
    if (failure.status !== undefined)
        return (0,errors/* stepError */.hH)(what, `GitHub answered ${failure.status}: ${failure.message}`, error);
    return (0,errors/* stepError */.hH)(what, `no answer from GitHub (${failure.message ?? String(error)})`, error);
}
/** A network failure, as opposed to an answer: the plan may then fall back to offline data. */
function isUnreachable(error) {
    let cause = error;
    while (cause instanceof Error) {
        const status = cause.status;
        if (status !== undefined && status !== 500)
            return false;
        if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|fetch failed|timeout|network/i.test(cause.message))
            return true;
        cause = cause.cause;
    }
    return false;
}

// EXTERNAL MODULE: ./build/changelog/types.js
var types = __nccwpck_require__(3048);
;// CONCATENATED MODULE: ./build/changelog/plan.js
















/** The built-in catalog and notes were derived from Kong's data files of this date (shared/kong-data/README.md). */
const BUILT_IN_DATA_DATE = '2026-08-21';
/**
 * Plans A → B: versions, hops, strategies, the changelog between, kong.conf and database
 * changes, and what of it hits this deployment. Works offline from built-in data; online it
 * reads Kong's living files and falls back to offline (saying so) when GitHub is unreachable.
 */
async function buildPlan(request, deps) {
    const now = deps.now?.() ?? new Date();
    const admin = request.admin === undefined ? undefined : createAdminClient(request.admin);
    const fromText = request.from ?? (await readRunningVersion(admin, deps.log));
    const edition = decideEdition(request.edition, fromText, request.to);
    const from = (0,kong_version/* parseKongVersion */.bo)(fromText, 'from');
    if ((0,catalog/* catalogLine */.WP)((0,kong_version/* releaseLine */.aY)(from)) === undefined) {
        throw (0,errors/* inputError */.Xu)(request.from === undefined ? 'admin-url' : 'from', `"${fromText}" is not a known Kong release line (${(0,kong_version/* releaseLine */.aY)(from)})`);
    }
    const to = (0,catalog/* resolveVersion */.x)(request.to, edition, 'to');
    const hops = planUpgradePath(from, to, { edition, deployment: request.deployment, database: request.database });
    deps.log(`Path: ${[from, ...hops.map((hop) => hop.to)].map(kong_version/* formatKongVersion */.Xz).join(' → ')}`);
    const online = await loadOnline(request, edition, from, to, now, deps.log);
    const releases = (0,plan_changelog/* releasesInRange */.jh)(from, to, edition, online.changelog.releases);
    const kongConf = await loadKongConfChanges(from, to, online.read, now);
    const impacts = await (0,plan_impacts/* gatherImpacts */.V)({ request, from, to, admin, kongConf: kongConf.defaults, read: online.read, log: deps.log, readServerVersion: server_version/* readServerVersion */.s });
    const advice = adviseStrategies(hops, request.deployment);
    const primary = advice[0];
    return {
        schema: plan_types/* PLAN_SCHEMA */.G,
        generatedAt: now.toISOString(),
        from: (0,kong_version/* formatKongVersion */.Xz)(from),
        to: (0,kong_version/* formatKongVersion */.Xz)(to),
        edition,
        deployment: request.deployment,
        hops: hops.map((hop) => toPlanHop(hop, request.deployment)),
        requiresFinish: hops.some((hop) => hop.facts.requiresFinish),
        strategy: {
            recommended: primary.recommended,
            reason: advice.length > 1 ? `${primary.group}: ${primary.reason}; ${advice.slice(1).map((a) => `${a.group}: ${a.recommended} (${a.reason})`).join('; ')}` : primary.reason,
            options: primary.strategies,
        },
        source: {
            ...online.source,
            files: [...online.changelog.files, ...kongConf.files, ...impacts.files, builtInFile(now)],
            entriesAvailable: online.changelog.releases !== undefined,
        },
        releases,
        counts: countEntries(releases),
        notes: crossedBreakingChanges(from, to).map((change) => ({
            id: change.id,
            version: change.appliesFrom,
            title: change.title,
            summary: change.summary,
            detectedBy: change.detectedBy,
        })),
        database: databaseChanges(from, to, request.database),
        kongConf: kongConf.changes,
        impacts: impacts.found,
        inspected: impacts.inspected,
    };
}
/** `auto`: Enterprise when either version has Kong Enterprise's fourth number. */
function decideEdition(asked, from, to) {
    if (asked !== 'auto')
        return asked;
    return [from, to].some((text) => /^v?\d+\.\d+\.\d+\.\d+/.test(text.trim())) ? 'enterprise' : 'oss';
}
async function readRunningVersion(admin, log) {
    const version = await runningVersion(admin);
    log(`The running Kong reports version ${version}`);
    return version;
}
/**
 * Online: read through GitHub (revalidating the cache). Offline: read the cache alone. A
 * network failure turns an online plan into an offline one, said in the plan's source.
 */
async function loadOnline(request, edition, from, to, now, log) {
    const offlineRead = cacheOnlyReader(request.cacheDir);
    if (request.offline) {
        const changelog = await loadOfflineChangelog(edition, request, offlineRead, now);
        return { read: offlineRead, changelog, source: { mode: 'offline', reason: 'offline was asked for' } };
    }
    const read = createGithubReader({ token: request.github.token, baseUrl: request.github.apiUrl, cacheDir: request.cacheDir, timeoutMs: 15_000 });
    try {
        if (request.changelogFile === undefined)
            log(`Reading Kong's ${edition === 'enterprise' ? 'Enterprise' : 'OSS'} changelog from GitHub`);
        const changelog = await (0,plan_changelog/* loadChangelog */.fN)(edition, request.changelogFile, read, now);
        return { read, changelog, source: { mode: 'online', reason: 'read from GitHub' } };
    }
    catch (error) {
        if (!isUnreachable(error))
            throw error;
        log(`GitHub is unreachable (${error.message}); planning offline from built-in data${request.cacheDir === undefined ? '' : ' and the cache'}`);
        const changelog = await loadOfflineChangelog(edition, request, offlineRead, now);
        return { read: offlineRead, changelog, source: { mode: 'offline', reason: 'GitHub was unreachable' } };
    }
}
/** The cache when it holds the changelog, else none (a given file is read either way). */
function loadOfflineChangelog(edition, request, read, now) {
    return (0,plan_changelog/* loadChangelog */.fN)(edition, request.changelogFile, read, now).catch(() => (0,plan_changelog/* loadChangelog */.fN)(edition, request.changelogFile, undefined, now));
}
function cacheOnlyReader(cacheDir) {
    if (cacheDir === undefined)
        return undefined;
    return async (file) => {
        const cached = await readCached(cacheDir, file);
        if (cached === undefined)
            throw new Error(`not in the cache: ${file.path}`);
        return cached;
    };
}
function builtInFile(now) {
    return {
        what: 'catalog, upgrade rules, breaking-change notes',
        location: 'built-in',
        url: undefined,
        via: 'built-in',
        fetchedAt: undefined,
        ageDays: Math.floor((now.getTime() - Date.parse(BUILT_IN_DATA_DATE)) / 86_400_000),
    };
}
const LTS_314_PREFLIGHT = (0,kong_version/* parseKongVersion */.bo)('3.10.0.11');
const CONSUMER_GROUP_SCOPING = (0,kong_version/* parseKongVersion */.bo)('3.4.0');
function toPlanHop(hop, deployment) {
    const schema = hop.facts.schema;
    const notes = hop.facts.breaking.map((marker) => marker.kind === 'major-version' ? `major upgrade ${marker.from}.x → ${marker.to}.x` : `LTS jump ${marker.from} → ${marker.to}`);
    if (schema.kind === 'migrations' && schema.coverage === 'partial') {
        notes.push('Kong may add teardown migrations the built-in facts do not list (Enterprise, or past 3.9.3): treat finish as having work');
    }
    // kong-facts upgrade-paths-helm-operator-deck.md §1.6: the 3.10 → 3.14 guide's optional preflight.
    if ((0,kong_version/* releaseLine */.aY)(hop.from) === '3.10' && (0,kong_version/* releaseLine */.aY)(hop.to) === '3.14') {
        notes.push(`preflight: on ${(0,kong_version/* formatKongVersion */.Xz)(LTS_314_PREFLIGHT)} or later, \`kong check --lts-314-compatibility <kong.conf>\` reports what 3.14's secure-by-default changes affect`);
    }
    // §1.1 special cases: a 3.4+ control plane with ≤ 3.3 data planes is unsupported when plugins
    // are scoped to consumer groups, and hybrid mode upgrades control planes first.
    if (deployment === 'hybrid' && (0,kong_version/* compareKongVersions */.QR)(hop.from, CONSUMER_GROUP_SCOPING) < 0 && (0,kong_version/* compareKongVersions */.QR)(hop.to, CONSUMER_GROUP_SCOPING) >= 0) {
        notes.push('hybrid: until the data planes reach 3.4 too, do not use plugins scoped to consumer groups (a 3.4+ control plane with ≤ 3.3 data planes does not support them)');
    }
    return {
        from: (0,kong_version/* formatKongVersion */.Xz)(hop.from),
        to: (0,kong_version/* formatKongVersion */.Xz)(hop.to),
        rule: hop.rule,
        reason: hop.reason,
        teardownMigrations: schema.kind === 'migrations' ? schema.teardown.map((m) => `${m.subsystem}:${m.name}`) : [],
        requiresFinish: hop.facts.requiresFinish,
        oldNodesAfterUp: schema.kind === 'migrations' ? schema.oldNodesAfterUp : true,
        oldNodesAfterFinish: schema.kind === 'migrations' ? schema.oldNodesAfterFinish : true,
        deckConvert: hop.facts.deckConvert?.command,
        notes,
    };
}
function countEntries(releases) {
    const counts = Object.fromEntries(types/* ENTRY_KINDS */.p.map((kind) => [kind, 0]));
    for (const release of releases)
        for (const entry of release.entries)
            counts[entry.kind] += 1;
    return counts;
}
function supportOf(version) {
    const line = (0,kong_version/* releaseLine */.aY)(version);
    const postgres = (0,catalog/* postgresSupport */.RI)(line);
    return {
        line,
        postgres: { tested: postgres?.tested ?? [], minimum: postgres?.minimum },
        cassandra: (0,catalog/* catalogLine */.WP)(line)?.cassandra ?? false,
    };
}
function databaseChanges(from, to, database) {
    const a = supportOf(from);
    const b = supportOf(to);
    const changes = [];
    const dropped = a.postgres.tested.filter((v) => !b.postgres.tested.includes(v));
    const added = b.postgres.tested.filter((v) => !a.postgres.tested.includes(v));
    if (dropped.length > 0)
        changes.push(`PostgreSQL ${dropped.join(', ')} no longer tested with ${b.line}: upgrade such a server before (or with) Kong`);
    if (added.length > 0)
        changes.push(`PostgreSQL ${added.join(', ')} newly tested with ${b.line}`);
    if (a.cassandra && !b.cassandra) {
        changes.push(`Cassandra is not supported from 3.4${database === 'cassandra' ? ': this deployment must move to PostgreSQL before crossing 3.3' : ''}`);
    }
    return { from: a, to: b, changes };
}


/***/ }),

/***/ 4049:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  d: () => (/* binding */ renderPlanMarkdown)
});

;// CONCATENATED MODULE: ./build/lib/markdown.js
/**
 * Markdown building blocks for job summaries and the CLI's markdown output. Plain strings, so
 * the domain can produce a report that an adapter writes with `core.summary` or prints.
 */
function escapeCell(text) {
    return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
function table(headers, rows) {
    const line = (cells) => `| ${cells.map(escapeCell).join(' | ')} |`;
    return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}
function details(summary, body) {
    return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}
function bulletList(items) {
    return items.map((item) => `- ${item}`).join('\n');
}
/** The runner refuses a step summary over 1 MiB; keep well under and say what was cut. */
const SUMMARY_LIMIT_BYTES = (/* unused pure expression or super */ null && (900 * 1024));
function fitToLimit(sections, limitBytes, cutNotice) {
    const kept = [];
    let size = 0;
    for (const section of sections) {
        const bytes = Buffer.byteLength(section, 'utf8') + 2;
        if (size + bytes > limitBytes - Buffer.byteLength(cutNotice, 'utf8')) {
            kept.push(cutNotice);
            break;
        }
        kept.push(section);
        size += bytes;
    }
    return kept.join('\n\n');
}

// EXTERNAL MODULE: ./build/changelog/plan-impacts.js + 22 modules
var plan_impacts = __nccwpck_require__(746);
// EXTERNAL MODULE: ./build/changelog/render/text.js
var render_text = __nccwpck_require__(9555);
// EXTERNAL MODULE: ./build/changelog/types.js
var types = __nccwpck_require__(3048);
;// CONCATENATED MODULE: ./build/changelog/render/markdown.js




/**
 * The plan as a reviewer reads it in the job summary: what moves where, what breaks and what
 * hits this deployment first, everything else folded. Kept under the runner's summary limit;
 * the full plan is in the JSON file.
 */
const KIND_TITLES = {
    breaking: 'Breaking changes',
    deprecation: 'Deprecations',
    feature: 'Features',
    fix: 'Fixes',
    dependency: 'Dependencies',
    performance: 'Performance',
    'known-issue': 'Known issues',
    other: 'Other changes',
};
function renderPlanMarkdown(plan, limitBytes) {
    const sections = [
        header(plan),
        impactsSection(plan),
        notesSection(plan),
        breakingSection(plan.releases),
        hopsSection(plan),
        strategySection(plan),
        databaseSection(plan),
        kongConfSection(plan),
        ...types/* ENTRY_KINDS */.p.filter((kind) => kind !== 'breaking').map((kind) => kindSection(plan.releases, kind)),
        sourcesSection(plan),
    ].filter((section) => section !== undefined);
    return fitToLimit(sections, limitBytes, '_The summary was cut to stay under the runner\'s size limit: the plan JSON has everything._');
}
function header(plan) {
    const path = [plan.from, ...plan.hops.map((hop) => hop.to)].join(' → ');
    const counts = table(['Hops', 'Releases', 'Breaking', 'Deprecations', 'Impacts here', 'Needs `finish`', 'Source'], [[
            String(plan.hops.length),
            String(plan.releases.length),
            String(plan.counts.breaking + plan.notes.length),
            String(plan.counts.deprecation),
            String(plan.impacts.length),
            plan.requiresFinish ? 'yes' : 'no',
            plan.source.mode + (plan.source.entriesAvailable ? '' : ' (no changelog entries)'),
        ]]);
    return `## Kong ${plan.edition === 'enterprise' ? 'Enterprise' : 'OSS'} upgrade plan: ${plan.from} → ${plan.to}\n\n**Path:** ${path}  \n**Recommended strategy:** ${plan.strategy.recommended}: ${plan.strategy.reason}\n\n${counts}`;
}
function impactsSection(plan) {
    const read = (0,plan_impacts/* inspectedLines */.N)(plan.inspected);
    const readList = read.length > 0 ? `\n\nWhat the plan read:\n\n${bulletList(read)}` : '\n\nNothing of the deployment was given (kong.conf, kong-env, declarative files, Admin API, database, nginx template).';
    return impactsTable(plan.impacts) + readList;
}
function impactsTable(impacts) {
    if (impacts.length === 0)
        return '### What hits this deployment\n\nNothing found in what was read.';
    const ordered = [...impacts].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
    const rows = ordered.map((impact) => [
        impact.severity === 'error' ? '❌ error' : '⚠️ warning',
        impact.title,
        impact.where ?? '',
        `${impact.detail} **Remedy:** ${impact.remedy}`,
    ]);
    return `### What hits this deployment (${impacts.length})\n\n${table(['Severity', 'Finding', 'Where', 'Detail'], rows)}`;
}
function notesSection(plan) {
    if (plan.notes.length === 0)
        return undefined;
    const rows = plan.notes.map((note) => [note.version, note.title, note.summary, note.detectedBy ?? '—']);
    return `### Breaking changes operators must act on\n\n${table(['From', 'Change', 'What to do', 'Checked by'], rows)}`;
}
function entriesOf(releases, kind) {
    return releases.flatMap((release) => release.entries.filter((entry) => entry.kind === kind).map((entry) => `**${release.version}** · ${entry.scope}: ${entry.text}`));
}
function breakingSection(releases) {
    const items = entriesOf(releases, 'breaking');
    if (items.length === 0)
        return undefined;
    return `### Breaking changes in the changelog (${items.length})\n\n${bulletList(items)}`;
}
function kindSection(releases, kind) {
    const items = entriesOf(releases, kind);
    if (items.length === 0)
        return undefined;
    return details(`${KIND_TITLES[kind]} (${items.length})`, bulletList(items));
}
function hopsSection(plan) {
    const rows = plan.hops.map((hop, index) => [
        String(index + 1),
        `${hop.from} → ${hop.to}`,
        hop.reason,
        (0,render_text/* finishText */.r)(hop),
        hop.deckConvert === undefined ? '' : `\`${hop.deckConvert}\``,
    ]);
    return `### Hops\n\n${table(['#', 'Hop', 'Why', '`finish` has work', 'Declarative files'], rows)}`;
}
function strategySection(plan) {
    const rows = plan.strategy.options.map((option) => [
        option.name + (option.name === plan.strategy.recommended ? ' (recommended)' : ''),
        option.supported ? 'yes' : 'no',
        option.reason,
    ]);
    return details('Strategies', table(['Strategy', 'Possible', 'Why'], rows));
}
function databaseSection(plan) {
    const support = (s) => [s.line, s.postgres.tested.join(', ') || 'unknown', s.postgres.minimum === undefined ? '' : String(s.postgres.minimum), s.cassandra ? 'yes' : 'no'];
    const body = `${table(['Line', 'PostgreSQL tested', 'Minimum', 'Cassandra'], [support(plan.database.from), support(plan.database.to)])}${plan.database.changes.length > 0 ? `\n\n${bulletList(plan.database.changes)}` : ''}`;
    return `### Database support\n\n${body}`;
}
function kongConfSection(plan) {
    const conf = plan.kongConf;
    if (!conf.available)
        return `### kong.conf changes\n\nNot available: ${conf.reason}`;
    const rows = [
        ...conf.removed.map((p) => ['removed', p.name, p.default, '']),
        ...conf.defaultChanged.map((p) => ['default changed', p.name, p.from, p.to]),
        ...conf.added.map((p) => ['added', p.name, '', p.default]),
    ];
    const counts = `${conf.removed.length} removed, ${conf.defaultChanged.length} defaults changed, ${conf.added.length} added (kong.conf.default ${conf.fromTag} → ${conf.toTag})`;
    return `### kong.conf changes\n\n${counts}\n\n${details('Properties', table(['Change', 'Property', 'Before', 'After'], rows))}`;
}
function sourcesSection(plan) {
    const rows = plan.source.files.map((file) => [
        file.what,
        file.url === undefined ? file.location : `[${file.location}](${file.url})`,
        file.via,
        file.ageDays === undefined ? '' : `${file.ageDays} days`,
    ]);
    const note = plan.source.entriesAvailable
        ? ''
        : '\n\nChangelog entries were not available offline: run online, give `changelog-file`, or keep `cache-dir` from an online run.';
    return `### Sources\n\nMode: ${plan.source.mode} (${plan.source.reason}).${note}\n\n${rows.length > 0 ? table(['What', 'File', 'Via', 'Age'], rows) : ''}`;
}


/***/ }),

/***/ 9555:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   $: () => (/* binding */ renderPlanText),
/* harmony export */   r: () => (/* binding */ finishText)
/* harmony export */ });
/* harmony import */ var _plan_impacts_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(746);
/* harmony import */ var _types_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(3048);


/** The plan for a terminal: the decisions and the risks, then counts; details are in --format json. */
function renderPlanText(plan) {
    const lines = [];
    const edition = plan.edition === 'enterprise' ? 'Enterprise' : 'OSS';
    lines.push(`Kong ${edition} upgrade plan: ${plan.from} -> ${plan.to} (${plan.deployment})`);
    lines.push('');
    lines.push(`Hops (${plan.hops.length}):`);
    plan.hops.forEach((hop, index) => {
        lines.push(`  ${index + 1}. ${hop.from} -> ${hop.to}: ${hop.reason}`);
        lines.push(`     finish has work: ${finishText(hop)}`);
        if (hop.deckConvert !== undefined)
            lines.push(`     declarative files: ${hop.deckConvert}`);
        for (const note of hop.notes)
            lines.push(`     note: ${note}`);
    });
    lines.push('');
    lines.push(`Recommended strategy: ${plan.strategy.recommended}: ${plan.strategy.reason}`);
    for (const option of plan.strategy.options.filter((o) => o.name !== plan.strategy.recommended)) {
        lines.push(`  ${option.name}: ${option.supported ? 'possible' : 'not possible'}: ${option.reason}`);
    }
    const read = (0,_plan_impacts_js__WEBPACK_IMPORTED_MODULE_0__/* .inspectedLines */ .N)(plan.inspected);
    if (read.length > 0)
        lines.push('', 'Read of this deployment:', ...read.map((line) => `  ${line}`));
    if (plan.impacts.length > 0) {
        lines.push('', `What hits this deployment (${plan.impacts.length}):`);
        for (const impact of plan.impacts) {
            lines.push(`  [${impact.severity}] ${impact.title}${impact.where === undefined ? '' : ` (${impact.where})`}`);
            lines.push(`      ${impact.detail}`, `      remedy: ${impact.remedy}`);
        }
    }
    if (plan.notes.length > 0) {
        lines.push('', 'Breaking changes to act on:');
        for (const note of plan.notes)
            lines.push(`  ${note.version}  ${note.title}: ${note.summary}`);
    }
    lines.push('', 'Database support:');
    for (const support of [plan.database.from, plan.database.to]) {
        lines.push(`  ${support.line}: PostgreSQL ${support.postgres.tested.join(', ') || 'unknown'}; Cassandra ${support.cassandra ? 'yes' : 'no'}`);
    }
    for (const change of plan.database.changes)
        lines.push(`  ${change}`);
    lines.push('');
    if (plan.kongConf.available) {
        const conf = plan.kongConf;
        lines.push(`kong.conf (${conf.fromTag} -> ${conf.toTag}): ${conf.removed.length} removed, ${conf.defaultChanged.length} defaults changed, ${conf.added.length} added`);
        if (conf.removed.length > 0)
            lines.push(`  removed: ${conf.removed.map((p) => p.name).join(', ')}`);
        for (const change of conf.defaultChanged)
            lines.push(`  default changed: ${change.name}: ${change.from || '(empty)'} -> ${change.to || '(empty)'}`);
    }
    else {
        lines.push(`kong.conf changes: not available (${plan.kongConf.reason})`);
    }
    lines.push('');
    const counts = _types_js__WEBPACK_IMPORTED_MODULE_1__/* .ENTRY_KINDS */ .p.filter((kind) => plan.counts[kind] > 0).map((kind) => `${kind} ${plan.counts[kind]}`);
    lines.push(`Releases between: ${plan.releases.length}${counts.length > 0 ? `; entries: ${counts.join(', ')}` : ''}`);
    lines.push(`Source: ${plan.source.mode} (${plan.source.reason})${plan.source.entriesAvailable ? '' : '; changelog entries not available offline (use --changelog-file or run online)'}`);
    return lines.join('\n');
}
/** The teardown migrations that give `finish` work, or "assumed" where Kong's list is not known here. */
function finishText(hop) {
    if (!hop.requiresFinish)
        return 'no';
    return hop.teardownMigrations.length > 0 ? `yes (${hop.teardownMigrations.join(', ')})` : 'yes (assumed: the teardown migrations of this hop are not known here)';
}


/***/ }),

/***/ 7727:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Fp: () => (/* binding */ ENTERPRISE_CHANGELOG),
/* harmony export */   aH: () => (/* binding */ kongConfDefaultAt),
/* harmony export */   cX: () => (/* binding */ describeRemoteFile),
/* harmony export */   fh: () => (/* binding */ OSS_CHANGELOG),
/* harmony export */   lv: () => (/* binding */ kongTemplateAt),
/* harmony export */   pZ: () => (/* binding */ OSS_CHANGELOG_OLD),
/* harmony export */   sy: () => (/* binding */ remoteFileUrl)
/* harmony export */ });
function describeRemoteFile(file) {
    return `${file.owner}/${file.repo}@${file.ref}:${file.path}`;
}
function remoteFileUrl(file) {
    return `https://github.com/${file.owner}/${file.repo}/blob/${file.ref}/${file.path}`;
}
/**
 * The living files behind a plan (../shared/kong-data/README.md, facts A.1, A.3b): Kong/kong's
 * master changelogs for OSS, developer.konghq.com's structured changelog for Enterprise, and
 * kong.conf.default at each OSS tag (tags have no `v` prefix, facts A.5).
 */
const OSS_CHANGELOG = { owner: 'Kong', repo: 'kong', ref: 'master', path: 'CHANGELOG.md' };
const OSS_CHANGELOG_OLD = { owner: 'Kong', repo: 'kong', ref: 'master', path: 'CHANGELOG-OLD.md' };
const ENTERPRISE_CHANGELOG = {
    owner: 'Kong',
    repo: 'developer.konghq.com',
    ref: 'main',
    path: 'app/_data/changelogs/gateway.json',
};
function kongConfDefaultAt(tag) {
    return { owner: 'Kong', repo: 'kong', ref: tag, path: 'kong.conf.default' };
}
/** One of Kong's default nginx templates (kong/templates/<name>), for custom-template impact. */
function kongTemplateAt(tag, name) {
    return { owner: 'Kong', repo: 'kong', ref: tag, path: `kong/templates/${name}` };
}


/***/ }),

/***/ 3048:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   p: () => (/* binding */ ENTRY_KINDS)
/* harmony export */ });
/**
 * The shape every changelog parser produces and the plan carries (`releases` in plan JSON,
 * schema kong-upgrade/plan@1). Kinds are the plan's stable vocabulary; each parser maps its
 * source's section names onto them.
 */
const ENTRY_KINDS = [
    'breaking',
    'deprecation',
    'feature',
    'fix',
    'dependency',
    'performance',
    'known-issue',
    'other',
];


/***/ }),

/***/ 9270:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  u: () => (/* binding */ CHECK_TARGETS_USAGE),
  V: () => (/* binding */ checkTargets)
});

// EXTERNAL MODULE: external "node:util"
var external_node_util_ = __nccwpck_require__(7975);
// EXTERNAL MODULE: ./build/database/manifest.js
var database_manifest = __nccwpck_require__(3387);
// EXTERNAL MODULE: ./build/database/postgres/connect.js
var connect = __nccwpck_require__(9308);
// EXTERNAL MODULE: ./build/lib/errors.js
var errors = __nccwpck_require__(1469);
// EXTERNAL MODULE: ./build/database/connection-inputs.js
var connection_inputs = __nccwpck_require__(2218);
;// CONCATENATED MODULE: ./build/github/targets.js
function describe(db) {
    return `database ${db.database} on ${db.host}:${db.port}${db.systemIdentifier ? ` (cluster ${db.systemIdentifier})` : ''}`;
}
function sameDatabase(a, b) {
    if (a.database !== b.database)
        return false;
    if (a.systemIdentifier && b.systemIdentifier)
        return a.systemIdentifier === b.systemIdentifier;
    return a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port;
}
/** A URL without its trailing slash and with a lower-case origin; '' stays ''. */
function normalise(url) {
    if (url === '')
        return '';
    try {
        const parsed = new URL(url);
        return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`.toLowerCase();
    }
    catch {
        return url.trim();
    }
}
/** Each way the rehearsal's targets are production's, naming both sides; empty when they differ. */
function targetClashes(check) {
    const clashes = [];
    const { production, rehearsal } = check;
    if (sameDatabase(production.database, rehearsal.database)) {
        clashes.push(`the preproduction ${describe(rehearsal.database)} is production's ${describe(production.database)}`);
    }
    for (const [what, prod, pre] of [['Admin API', production.adminUrl, rehearsal.adminUrl], ['proxy', production.proxyUrl, rehearsal.proxyUrl]]) {
        if (pre !== '' && normalise(pre) === normalise(prod))
            clashes.push(`the preproduction ${what} ${pre} is production's ${what} ${prod}`);
    }
    return clashes;
}

;// CONCATENATED MODULE: ./build/cli/check-targets.js






const CHECK_TARGETS_USAGE = `check-targets: before a rehearsal changes anything, prove its targets are not production's
  --production-manifest F  a backup manifest of production (its database identity)
  --production-admin-url U, --production-proxy-url U
  --admin-url U, --proxy-url U   the rehearsal's
  the rehearsal's database: KONG_UPGRADE_DATABASE_URL in the environment (never a flag)
  --format github          failures as ::error:: lines (in a workflow)`;
/** The rehearsal database's identity; a database not created yet is read through the server's postgres database. */
async function identityOf(databaseUrl) {
    const db = (0,connection_inputs/* readDatabaseInputs */.Z)({ get: (name) => (name === 'database-url' ? databaseUrl : ''), mask: () => { } });
    if (!db)
        throw (0,errors/* inputError */.Xu)('database-url', 'KONG_UPGRADE_DATABASE_URL is empty: the rehearsal database is unknown');
    const target = (0,connect/* targetFromInputs */.Ve)(db, true);
    const query = 'SELECT system_identifier::text AS id FROM pg_control_system()';
    const read = (t) => (0,connect/* withClient */.SV)(t, 'reading the rehearsal database identity', async (client) => {
        try {
            return (await client.query(query)).rows[0]?.id ?? null;
        }
        catch {
            return null; // pg_control_system() is not granted to every role: host and port decide then
        }
    });
    let systemIdentifier;
    try {
        systemIdentifier = await read(target);
    }
    catch (error) {
        if (!/does not exist/.test((0,errors/* errorMessage */.gJ)(error)))
            throw error;
        systemIdentifier = await read((0,connect/* withDatabase */.kR)(target, 'postgres'));
    }
    return { host: db.host, port: db.port, database: db.database, systemIdentifier };
}
async function checkTargets(args) {
    const github = args.includes('--format') && args[args.indexOf('--format') + 1] === 'github';
    try {
        const { values } = (0,external_node_util_.parseArgs)({
            args: [...args],
            strict: true,
            options: Object.fromEntries(['production-manifest', 'production-admin-url', 'production-proxy-url', 'admin-url', 'proxy-url', 'format'].map((n) => [n, { type: 'string' }])),
        });
        const manifestFile = values['production-manifest'];
        if (typeof manifestFile !== 'string' || manifestFile === '')
            throw (0,errors/* inputError */.Xu)('production-manifest', 'is required');
        const manifest = await (0,database_manifest/* readManifest */.WI)(manifestFile, 'production-manifest');
        const clashes = targetClashes({
            production: { database: manifest.database, adminUrl: String(values['production-admin-url'] ?? ''), proxyUrl: String(values['production-proxy-url'] ?? '') },
            rehearsal: { database: await identityOf(process.env.KONG_UPGRADE_DATABASE_URL ?? ''), adminUrl: String(values['admin-url'] ?? ''), proxyUrl: String(values['proxy-url'] ?? '') },
        });
        if (clashes.length === 0) {
            process.stdout.write("the rehearsal's database and URLs are not production's\n");
            return 0;
        }
        for (const clash of clashes)
            process.stdout.write(github ? `::error title=preproduction targets production::${clash}\n` : `${clash}\n`);
        process.stderr.write('kong-upgrade: check-targets: the rehearsal would change production; give the preproduction environment its own secrets and variables\n');
        return 1;
    }
    catch (error) {
        process.stdout.write(github ? `::error title=check-targets::${(0,errors/* errorMessage */.gJ)(error)}\n` : '');
        process.stderr.write(`kong-upgrade: ${(0,errors/* errorMessage */.gJ)(error)}\n`);
        return 1;
    }
}


/***/ }),

/***/ 8300:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  E: () => (/* binding */ DOCTOR_USAGE),
  A: () => (/* binding */ doctor)
});

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __nccwpck_require__(3024);
// EXTERNAL MODULE: external "node:util"
var external_node_util_ = __nccwpck_require__(7975);
;// CONCATENATED MODULE: ./build/github/environments.js
/**
 * What GitHub's REST API says about a repository's deployment environments and secrets, read
 * with Octokit (GitHub docs, "REST API endpoints for deployment environments" and "for GitHub
 * Actions secrets"). Only names and protection rules are read: secret values never leave GitHub.
 */
function isDenied(value) {
    return typeof value === 'object' && value !== null && value.denied === true;
}
/** An environment as "Get an environment" returns it, reduced to its protection. */
function protectionOf(raw) {
    const rules = raw.protection_rules ?? [];
    const reviewersRule = rules.find((rule) => rule.type === 'required_reviewers');
    const reviewers = (reviewersRule?.reviewers ?? []).map((entry) => entry.type === 'Team' ? `team:${entry.reviewer?.slug ?? entry.reviewer?.name ?? '?'}` : `user:${entry.reviewer?.login ?? '?'}`);
    const policy = raw.deployment_branch_policy;
    return {
        name: raw.name,
        reviewers,
        preventSelfReview: reviewersRule?.prevent_self_review === true,
        waitTimerMinutes: rules.find((rule) => rule.type === 'wait_timer')?.wait_timer ?? 0,
        branchPolicy: !policy ? 'any branch' : policy.protected_branches ? 'protected branches' : 'selected branches',
    };
}
/** The reads through Octokit; a 403 (or a 404 where GitHub hides a forbidden resource) is `Denied`. */
async function createGithubReads(options) {
    const { Octokit } = await __nccwpck_require__.e(/* import() */ 891).then(__nccwpck_require__.bind(__nccwpck_require__, 891));
    const octokit = new Octokit({
        auth: options.token || undefined,
        baseUrl: options.baseUrl,
        userAgent: 'kong-upgrade-actions',
        request: { timeout: options.timeoutMs ?? 15_000 },
        log: { debug: () => { }, info: () => { }, warn: () => { }, error: () => { } },
    });
    const repo = { owner: options.owner, repo: options.repo };
    const denied = (error, notFoundIsDenied) => {
        const status = error.status;
        if (status === 403 || status === 401 || (notFoundIsDenied && status === 404))
            return { denied: true, status };
        throw error;
    };
    return {
        async repository() {
            try {
                const { data } = await octokit.rest.repos.get(repo);
                return { private: data.private, visibility: data.visibility ?? (data.private ? 'private' : 'public') };
            }
            catch (error) {
                return denied(error, true);
            }
        },
        async environment(name) {
            try {
                const { data } = await octokit.rest.repos.getEnvironment({ ...repo, environment_name: name });
                return protectionOf(data);
            }
            catch (error) {
                if (error.status === 404)
                    return undefined;
                return denied(error, false);
            }
        },
        async environmentSecretNames(environment) {
            try {
                const names = [];
                for (let page = 1;; page++) {
                    const { data } = await octokit.request('GET /repos/{owner}/{repo}/environments/{environment_name}/secrets', {
                        ...repo, environment_name: environment, per_page: 100, page,
                    });
                    names.push(...data.secrets.map((secret) => secret.name));
                    if (data.secrets.length < 100)
                        return names;
                }
            }
            catch (error) {
                return denied(error, true);
            }
        },
        async repositorySecretNames() {
            try {
                const names = [];
                for (let page = 1;; page++) {
                    const { data } = await octokit.rest.actions.listRepoSecrets({ ...repo, per_page: 100, page });
                    names.push(...data.secrets.map((secret) => secret.name));
                    if (data.secrets.length < 100)
                        return names;
                }
            }
            catch (error) {
                return denied(error, true);
            }
        },
    };
}

;// CONCATENATED MODULE: ./build/github/doctor.js

/** The permission a token needs for each read (GitHub docs, the endpoints' fine-grained token sections). */
const PERMISSIONS = {
    environments: "'actions: read' for GITHUB_TOKEN (the calling workflow's permissions:), or a fine-grained token with the 'Actions' repository permission (read) in the DOCTOR_TOKEN secret",
    secrets: "a fine-grained token with the 'Secrets' repository permission (read) in the DOCTOR_TOKEN secret (GITHUB_TOKEN can never list secrets)",
};
const ROLES = ['readonly', 'preproduction', 'production'];
/** The secrets each environment's jobs read (kong-upgrade.yml), by name. */
function neededSecrets(role, strategy, deployment = 'traditional') {
    // DB-less nodes and Konnect data planes have no database to back up or migrate.
    if (deployment === 'db-less')
        return ['KONG_ADMIN_TOKEN'];
    if (deployment === 'konnect')
        return ['KONNECT_TOKEN'];
    const common = ['KONG_DATABASE_URL', 'KONG_ADMIN_TOKEN', 'BACKUP_PASSPHRASE'];
    return role !== 'readonly' && strategy === 'dual-cluster' ? [...common, 'KONG_GREEN_DATABASE_URL'] : common;
}
async function runDoctor(reads, request) {
    const findings = [];
    const repository = await reads.repository();
    if (isDenied(repository))
        findings.push({ level: 'warning', title: 'repository', message: `the token may not read the repository (HTTP ${repository.status}); grant 'contents: read'` });
    const repositorySecrets = await reads.repositorySecretNames();
    const environments = [];
    let secretsDenied = isDenied(repositorySecrets);
    let environmentsDenied = false;
    for (const role of ROLES) {
        const name = request.environments[role];
        const found = await reads.environment(name);
        const needed = neededSecrets(role, request.strategy, request.deployment);
        if (isDenied(found)) {
            environmentsDenied = true;
            environments.push({ role, name, protection: undefined, secrets: { needed, missing: undefined } });
            continue;
        }
        if (found === undefined) {
            findings.push({
                level: role === 'production' ? 'error' : 'warning',
                title: `environment ${name}`,
                message: `environment '${name}' (${role}-environment) does not exist: GitHub would create it on first use with no protection rule and no secret; create it under Settings → Environments`,
            });
            environments.push({ role, name, protection: null, secrets: { needed, missing: needed } });
            continue;
        }
        const own = await reads.environmentSecretNames(name);
        let missing;
        if (isDenied(own))
            secretsDenied = true;
        else
            missing = needed.filter((secret) => !own.includes(secret) && (isDenied(repositorySecrets) || !repositorySecrets.includes(secret)));
        if (missing && missing.length > 0) {
            findings.push({
                level: 'error',
                title: `secrets of ${name}`,
                message: `environment '${name}' lacks the secret(s) ${missing.join(', ')}${isDenied(repositorySecrets) ? '' : ' (neither an environment nor a repository secret)'}; an organization secret of that name would also do`,
            });
        }
        environments.push({ role, name, protection: found, secrets: { needed, missing } });
        if (role === 'production')
            findings.push(...productionFindings(found, request, repository));
    }
    if (environmentsDenied) {
        findings.push({
            level: 'warning',
            title: 'environments not read',
            message: `the token may not read environments, so production's required reviewers are NOT verified; grant ${PERMISSIONS.environments}`,
        });
    }
    if (secretsDenied) {
        findings.push({ level: 'warning', title: 'secrets not listed', message: `secret names not checked: grant ${PERMISSIONS.secrets}` });
    }
    return { repository: isDenied(repository) ? undefined : repository, environments, findings, failed: findings.some((f) => f.level === 'error') };
}
function productionFindings(protection, request, repository) {
    const findings = [];
    const name = protection.name;
    if (protection.reviewers.length === 0) {
        const enterprise = !isDenied(repository) && repository.private
            ? ' Required reviewers on a private or internal repository need GitHub Enterprise (GitHub docs, "Managing environments for deployment"): set approval-gate: issue, an approval issue that works on every plan.'
            : '';
        if (request.approvalGate === 'issue') {
            findings.push({ level: 'notice', title: `${name}: approval issue`, message: `environment '${name}' has no required reviewers; production is approved through the approval issue (approval-gate: issue).` });
        }
        else if (request.allowUnreviewedProduction) {
            findings.push({ level: 'warning', title: `${name}: unreviewed`, message: `environment '${name}' has no required reviewers: production changes without an approval (allow-unreviewed-production).${enterprise}` });
        }
        else {
            findings.push({
                level: 'error',
                title: `${name}: no required reviewers`,
                message: `environment '${name}' has no required reviewers, so production would change without an approval: add required reviewers (Settings → Environments → ${name}), or set approval-gate: issue, or allow-unreviewed-production: true to accept it.${enterprise}`,
            });
        }
    }
    else if (!protection.preventSelfReview) {
        findings.push({ level: 'warning', title: `${name}: self-review`, message: `environment '${name}' lets whoever starts the run approve it: turn on "Prevent self-review"` });
    }
    if (protection.branchPolicy === 'any branch') {
        findings.push({ level: 'warning', title: `${name}: branches`, message: `any branch may deploy to '${name}': restrict its deployment branches to protected or selected branches` });
    }
    return findings;
}

;// CONCATENATED MODULE: ./build/github/render.js
const ICON = { error: '❌', warning: '⚠️', notice: 'ℹ️' };
function protectionCells(env) {
    if (env.protection === undefined)
        return ['not readable', '', '', ''];
    if (env.protection === null)
        return ['does not exist', '', '', ''];
    const p = env.protection;
    return [
        p.reviewers.length > 0 ? p.reviewers.join(', ') : 'none',
        p.reviewers.length > 0 ? (p.preventSelfReview ? 'prevented' : 'allowed') : '',
        p.waitTimerMinutes > 0 ? `${p.waitTimerMinutes} min` : 'none',
        p.branchPolicy,
    ];
}
function secretsCell(env) {
    if (env.secrets.missing === undefined)
        return `not listed (${env.secrets.needed.join(', ')})`;
    return env.secrets.missing.length === 0 ? `all present (${env.secrets.needed.join(', ')})` : `missing: ${env.secrets.missing.join(', ')}`;
}
/** The job summary: a verdict, the environments' protection in a table, then every finding. */
function renderDoctorMarkdown(report, repo) {
    const lines = [
        `### Doctor: ${report.failed ? '❌ the run stops here' : 'environments checked'} (${repo}${report.repository ? `, ${report.repository.visibility}` : ''})`,
        '',
        '| Environment | Role | Required reviewers | Self-review | Wait timer | Deployment branches | Secrets |',
        '|---|---|---|---|---|---|---|',
        ...report.environments.map((env) => `| \`${env.name}\` | ${env.role} | ${protectionCells(env).join(' | ')} | ${secretsCell(env)} |`),
        '',
        ...report.findings.map((f) => `- ${ICON[f.level]} **${f.title}**: ${f.message}`),
    ];
    return `${lines.join('\n')}\n`;
}
/** At a terminal: one line per environment, then the findings. */
function renderDoctorText(report, repo) {
    const lines = [`${repo}${report.repository ? ` (${report.repository.visibility})` : ''}`];
    for (const env of report.environments) {
        const [reviewers, self, wait, branches] = protectionCells(env);
        lines.push(`  ${env.role.padEnd(14)}${env.name}: reviewers ${reviewers}${self ? ` (self-review ${self})` : ''}, wait timer ${wait}, branches ${branches}; secrets ${secretsCell(env)}`);
    }
    for (const f of report.findings)
        lines.push(`${f.level}: ${f.title}: ${f.message}`);
    lines.push(report.failed ? 'doctor: FAILED' : 'doctor: ok');
    return `${lines.join('\n')}\n`;
}

// EXTERNAL MODULE: ./build/lib/errors.js
var errors = __nccwpck_require__(1469);
;// CONCATENATED MODULE: ./build/cli/doctor.js






const DOCTOR_USAGE = `doctor: the environments a run uses, read through GitHub's REST API
  --repo OWNER/NAME        the repository whose workflows call kong-upgrade.yml
  --production NAME, --preproduction NAME, --readonly NAME
                           environment names (default production, preproduction, production-readonly)
  --approval-gate G        environment (production's required reviewers) | issue
  --allow-unreviewed-production true|false
  --strategy S             dual-cluster also needs KONG_GREEN_DATABASE_URL
  --deployment D           traditional | hybrid | db-less (KONG_ADMIN_TOKEN only) | konnect (KONNECT_TOKEN only)
  --github-api-url U       default $GITHUB_API_URL or https://api.github.com
  --format F               text | markdown | github (annotations and the job summary)
  the token: $GH_TOKEN or $GITHUB_TOKEN (never a flag)`;
const GATES = ['environment', 'issue'];
const DEPLOYMENTS = ['traditional', 'hybrid', 'db-less', 'konnect'];
const DOCTOR_FORMATS = ['text', 'markdown', 'github'];
async function doctor(args) {
    try {
        const { values } = (0,external_node_util_.parseArgs)({
            args: [...args],
            strict: true,
            options: Object.fromEntries(['repo', 'production', 'preproduction', 'readonly', 'approval-gate', 'allow-unreviewed-production', 'strategy', 'deployment', 'github-api-url', 'format'].map((n) => [n, { type: 'string' }])),
        });
        const text = (name, fallback) => (typeof values[name] === 'string' && values[name] !== '' ? String(values[name]) : fallback);
        const repo = text('repo', '');
        const match = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/.exec(repo);
        if (!match)
            throw (0,errors/* inputError */.Xu)('repo', `"${repo}" is not OWNER/NAME`);
        const gate = text('approval-gate', 'environment');
        if (!GATES.includes(gate))
            throw (0,errors/* inputError */.Xu)('approval-gate', `"${gate}" is not one of ${GATES.join(', ')}`);
        const allow = text('allow-unreviewed-production', 'false');
        if (allow !== 'true' && allow !== 'false')
            throw (0,errors/* inputError */.Xu)('allow-unreviewed-production', `"${allow}" is not true or false`);
        const deployment = text('deployment', 'traditional');
        if (!DEPLOYMENTS.includes(deployment))
            throw (0,errors/* inputError */.Xu)('deployment', `"${deployment}" is not one of ${DEPLOYMENTS.join(', ')}`);
        const format = text('format', 'text');
        if (!DOCTOR_FORMATS.includes(format))
            throw (0,errors/* inputError */.Xu)('format', `"${format}" is not one of ${DOCTOR_FORMATS.join(', ')}`);
        const request = {
            environments: { production: text('production', 'production'), preproduction: text('preproduction', 'preproduction'), readonly: text('readonly', 'production-readonly') },
            approvalGate: gate,
            allowUnreviewedProduction: allow === 'true',
            strategy: text('strategy', 'auto'),
            deployment: deployment,
        };
        const reads = await createGithubReads({
            owner: match[1], repo: match[2],
            token: process.env.GH_TOKEN || process.env.GITHUB_TOKEN || '',
            baseUrl: text('github-api-url', process.env.GITHUB_API_URL || 'https://api.github.com'),
        });
        const report = await runDoctor(reads, request);
        if (format === 'github') {
            for (const f of report.findings)
                process.stdout.write(`::${f.level} title=${f.title.replace(/[:,\r\n]/g, ' ')}::${f.message.replace(/\r?\n/g, ' ')}\n`);
            process.stdout.write(renderDoctorText(report, repo));
            if (process.env.GITHUB_STEP_SUMMARY)
                (0,external_node_fs_.appendFileSync)(process.env.GITHUB_STEP_SUMMARY, renderDoctorMarkdown(report, repo));
        }
        else {
            process.stdout.write(format === 'markdown' ? renderDoctorMarkdown(report, repo) : renderDoctorText(report, repo));
        }
        return report.failed ? 1 : 0;
    }
    catch (error) {
        process.stderr.write(`kong-upgrade: ${(0,errors/* errorMessage */.gJ)(error)}\n`);
        return 1;
    }
}


/***/ }),

/***/ 3681:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   C9: () => (/* binding */ PLAN_FLAGS),
/* harmony export */   Oi: () => (/* binding */ VERIFY_FLAGS),
/* harmony export */   xt: () => (/* binding */ VERIFY_DEFAULTS),
/* harmony export */   zJ: () => (/* binding */ PLAN_DEFAULTS)
/* harmony export */ });
// Generated by scripts/gen-actions.mjs from the cli sections of actions/*/manifest.yml: edit those, then run node scripts/gen-actions.mjs (npm run build runs it).
/** kong-upgrade verify: the inputs of actions/backup-db. */
const VERIFY_FLAGS = {
    "manifest": { type: 'string' },
    "database-url": { type: 'string' },
    "pg-host": { type: 'string' },
    "pg-port": { type: 'string' },
    "pg-user": { type: 'string' },
    "pg-password": { type: 'string' },
    "pg-database": { type: 'string' },
    "pg-sslmode": { type: 'string' },
    "target-database-url": { type: 'string' },
    "target-pg-host": { type: 'string' },
    "target-pg-port": { type: 'string' },
    "target-pg-user": { type: 'string' },
    "target-pg-password": { type: 'string' },
    "target-pg-database": { type: 'string' },
    "target-pg-sslmode": { type: 'string' },
    "pg-bin-dir": { type: 'string' },
    "jobs": { type: 'string' },
    "encryption-passphrase": { type: 'string' },
    "encryption-private-key": { type: 'string' },
    "s3-endpoint": { type: 'string' },
    "s3-region": { type: 'string' },
    "s3-force-path-style": { type: 'string' },
    "s3-checksum": { type: 'string' },
    "trial-restore": { type: 'boolean' },
};
/** The defaults of those flags (the action's; an expression is left out). */
const VERIFY_DEFAULTS = {
    "jobs": "1",
    "s3-force-path-style": "false",
    "s3-checksum": "SHA256",
    "trial-restore": "false",
};
/** kong-upgrade plan: the inputs of actions/fetch-changelog. */
const PLAN_FLAGS = {
    "from": { type: 'string' },
    "to": { type: 'string' },
    "edition": { type: 'string' },
    "deployment": { type: 'string' },
    "database": { type: 'string' },
    "offline": { type: 'boolean' },
    "github-token": { type: 'string' },
    "github-api-url": { type: 'string' },
    "cache-dir": { type: 'string' },
    "changelog-file": { type: 'string' },
    "kong-conf": { type: 'string' },
    "kong-env": { type: 'string' },
    "declarative-config": { type: 'string', multiple: true },
    "declarative-consumer": { type: 'string' },
    "nginx-template": { type: 'string' },
    "admin-url": { type: 'string' },
    "admin-token": { type: 'string' },
    "workspace": { type: 'string' },
    "database-url": { type: 'string' },
    "pg-host": { type: 'string' },
    "pg-port": { type: 'string' },
    "pg-user": { type: 'string' },
    "pg-password": { type: 'string' },
    "pg-database": { type: 'string' },
    "pg-sslmode": { type: 'string' },
};
/** The defaults of those flags (the action's; an expression is left out). */
const PLAN_DEFAULTS = {
    "edition": "auto",
    "deployment": "traditional",
    "database": "postgres",
    "offline": "false",
    "declarative-consumer": "auto",
};


/***/ }),

/***/ 5472:
/***/ ((__webpack_module__, __webpack_exports__, __nccwpck_require__) => {

__nccwpck_require__.a(__webpack_module__, async (__webpack_handle_async_dependencies__, __webpack_async_result__) => { try {
/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   i: () => (/* binding */ main)
/* harmony export */ });
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(1455);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(8161);
/* harmony import */ var node_util__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(7975);
/* harmony import */ var _changelog_plan_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(7241);
/* harmony import */ var _changelog_plan_request_js__WEBPACK_IMPORTED_MODULE_4__ = __nccwpck_require__(1435);
/* harmony import */ var _changelog_plan_types_js__WEBPACK_IMPORTED_MODULE_13__ = __nccwpck_require__(6790);
/* harmony import */ var _changelog_render_markdown_js__WEBPACK_IMPORTED_MODULE_5__ = __nccwpck_require__(4049);
/* harmony import */ var _changelog_render_text_js__WEBPACK_IMPORTED_MODULE_6__ = __nccwpck_require__(9555);
/* harmony import */ var _database_backup_request_js__WEBPACK_IMPORTED_MODULE_7__ = __nccwpck_require__(8188);
/* harmony import */ var _check_targets_js__WEBPACK_IMPORTED_MODULE_8__ = __nccwpck_require__(9270);
/* harmony import */ var _doctor_js__WEBPACK_IMPORTED_MODULE_9__ = __nccwpck_require__(8300);
/* harmony import */ var _lib_errors_js__WEBPACK_IMPORTED_MODULE_10__ = __nccwpck_require__(1469);
/* harmony import */ var _lib_inputs_js__WEBPACK_IMPORTED_MODULE_11__ = __nccwpck_require__(2307);
/* harmony import */ var _flags_generated_js__WEBPACK_IMPORTED_MODULE_12__ = __nccwpck_require__(3681);














/**
 * `kong-upgrade`: the same domain as the actions, for an operator planning at a terminal.
 * Flags carry the actions' input names, so a plan made here is the plan the workflow makes.
 */
const USAGE = `usage: kong-upgrade plan --from VERSION --to VERSION [options]
       kong-upgrade verify --manifest FILE [options]
       kong-upgrade doctor --repo OWNER/NAME [options]
       kong-upgrade check-targets --production-manifest FILE [options]

plan: the upgrade plan A -> B (fetch-changelog's)
  --from, --to             versions (3.4.2 OSS, 3.4.3.5 Enterprise); --to also takes a line (3.10) or latest
  --edition                auto | oss | enterprise (default auto)
  --deployment             traditional | hybrid | db-less (default traditional)
  --database               postgres | cassandra (default postgres)
  --offline                built-in data only (plus --changelog-file / --cache-dir)
  --changelog-file F       a Kong changelog (OSS markdown, Enterprise JSON or markdown)
  --kong-conf F            your kong.conf, checked against the target
  --kong-env F             your KONG_* settings as kong.conf: a dotenv file, Helm values
                           with env:, a Compose file or a Kubernetes workload
  --declarative-config F   decK / DB-less files or KIC manifests (repeatable)
  --declarative-consumer C deck | db-less | kic | auto: who reads those files (default auto)
  --nginx-template F       your custom nginx template
  --admin-url U            Admin API of the running cluster (--admin-token, --workspace)
  --database-url U         postgres://… to check the server version
  --cache-dir D            keep fetched files between runs
  --github-token T         defaults to $GITHUB_TOKEN
  --format F               text | markdown | json (default text)
  --output F               also write the plan JSON to F

verify: a backup made by backup-db, e.g. a downloaded artifact (backup-db mode verify)
  --manifest F             its manifest.json, or s3://bucket/prefix/manifest.json (read from the
                           bucket, with AWS_* credentials from the environment); every file's
                           size and SHA-256, then pg_restore --list
  --s3-endpoint U          the store when it is not AWS S3 (--s3-region, --s3-force-path-style true)
  --trial-restore          also restore into a scratch database (dropped after) whose
                           fingerprint must equal the manifest's, on the server of
                           --target-database-url, else --database-url
  --pg-bin-dir D           where pg_restore is (a major at least the archive's)
  --jobs N                 pg_restore jobs for the trial restore
  encrypted archives: --encryption-passphrase or --encryption-private-key (armored text)

Secrets (--database-url with a password, --target-database-url, --pg-password,
--encryption-passphrase, --encryption-private-key) are better given in the environment as
KONG_UPGRADE_<FLAG> (e.g. KONG_UPGRADE_ENCRYPTION_PASSPHRASE): a command line is visible to
every user of the machine.

${_doctor_js__WEBPACK_IMPORTED_MODULE_9__/* .DOCTOR_USAGE */ .E}

${_check_targets_js__WEBPACK_IMPORTED_MODULE_8__/* .CHECK_TARGETS_USAGE */ .u}`;
const FORMATS = ['text', 'markdown', 'json'];
async function main(argv) {
    const [command, ...rest] = argv;
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
    }
    if (command === 'doctor')
        return (0,_doctor_js__WEBPACK_IMPORTED_MODULE_9__/* .doctor */ .A)(rest);
    if (command === 'check-targets')
        return (0,_check_targets_js__WEBPACK_IMPORTED_MODULE_8__/* .checkTargets */ .V)(rest);
    if (command !== 'plan' && command !== 'verify') {
        process.stderr.write(`kong-upgrade: unknown command "${command}"; the commands are: plan, verify, doctor, check-targets (see --help)\n`);
        return 2;
    }
    let values;
    try {
        values = (0,node_util__WEBPACK_IMPORTED_MODULE_2__.parseArgs)({
            args: [...rest],
            strict: true,
            allowPositionals: false,
            options: command === 'plan'
                ? { ..._flags_generated_js__WEBPACK_IMPORTED_MODULE_12__/* .PLAN_FLAGS */ .C9, format: { type: 'string' }, output: { type: 'string' }, help: { type: 'boolean', short: 'h' } }
                : { ..._flags_generated_js__WEBPACK_IMPORTED_MODULE_12__/* .VERIFY_FLAGS */ .Oi, help: { type: 'boolean', short: 'h' } },
        }).values;
    }
    catch (error) {
        process.stderr.write(`kong-upgrade: ${error.message}\n`);
        return 2;
    }
    if (values.help === true) {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
    // The flags are the action's inputs (generated from its manifest), read with its defaults.
    if (command === 'verify')
        return verify((0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_11__/* .withDefaults */ .rO)(flagInputs(values), _flags_generated_js__WEBPACK_IMPORTED_MODULE_12__/* .VERIFY_DEFAULTS */ .xt));
    try {
        const format = String(values.format ?? 'text');
        if (!FORMATS.includes(format))
            throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_10__/* .inputError */ .Xu)('format', `"${format}" is not one of ${FORMATS.join(', ')}`);
        const request = await (0,_changelog_plan_request_js__WEBPACK_IMPORTED_MODULE_4__/* .readPlanRequest */ .V1)((0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_11__/* .withDefaults */ .rO)(flagInputs(values), _flags_generated_js__WEBPACK_IMPORTED_MODULE_12__/* .PLAN_DEFAULTS */ .zJ));
        const plan = await (0,_changelog_plan_js__WEBPACK_IMPORTED_MODULE_3__/* .buildPlan */ .G)(request, { log: (line) => process.stderr.write(`${line}\n`) });
        const json = (0,_changelog_plan_types_js__WEBPACK_IMPORTED_MODULE_13__/* .serializePlan */ .S)(plan);
        if (typeof values.output === 'string')
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.writeFile)(values.output, json);
        const rendered = format === 'json' ? json : format === 'markdown' ? `${(0,_changelog_render_markdown_js__WEBPACK_IMPORTED_MODULE_5__/* .renderPlanMarkdown */ .d)(plan, Infinity)}\n` : `${(0,_changelog_render_text_js__WEBPACK_IMPORTED_MODULE_6__/* .renderPlanText */ .$)(plan)}\n`;
        process.stdout.write(rendered);
        return 0;
    }
    catch (error) {
        process.stderr.write(`kong-upgrade: ${(0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_10__/* .errorMessage */ .gJ)(error)}\n`);
        return 1;
    }
}
/**
 * A backup made by backup-db, checked as `mode: verify` does: the same request reader (so the
 * flags mean what the inputs mean) and the same domain function; progress on stderr, the
 * verdict on stdout.
 */
async function verify(source) {
    try {
        // RUNNER_TEMP is where the action decrypts; at a terminal, the system's temp folder.
        const request = (0,_database_backup_request_js__WEBPACK_IMPORTED_MODULE_7__/* .readBackupRequest */ .q)({ get: (name) => (name === 'mode' ? 'verify' : source.get(name)), mask: source.mask }, { ...process.env, RUNNER_TEMP: node_os__WEBPACK_IMPORTED_MODULE_1__.tmpdir() });
        if (request.mode !== 'verify')
            throw new Error('unreachable: mode is verify');
        const [{ verifyBackup }, { createRunDir }, { fetchBackup }] = await Promise.all([__nccwpck_require__.e(/* import() */ 364).then(__nccwpck_require__.bind(__nccwpck_require__, 1364)), __nccwpck_require__.e(/* import() */ 871).then(__nccwpck_require__.bind(__nccwpck_require__, 871)), __nccwpck_require__.e(/* import() */ 238).then(__nccwpck_require__.bind(__nccwpck_require__, 2238))]);
        // A private folder for the decrypted copy, gpg's home and a backup read from a bucket, removed however verify ends.
        const runDir = await createRunDir(request.common.workDir);
        const log = (line) => process.stderr.write(`${line}\n`);
        const fetched = request.objectStorage && (await fetchBackup(request.manifest, request.objectStorage, 'manifest', runDir, log).catch(async (error) => {
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.rm)(runDir.path, { recursive: true, force: true });
            throw error;
        }));
        const result = await verifyBackup({
            manifestPath: fetched?.manifestPath ?? request.manifest,
            encryption: request.common.encryption,
            trialServer: request.trialServer,
            jobs: request.common.jobs,
            binDir: request.common.binDir,
            runDir,
            log,
        }).finally(async () => {
            await fetched?.close();
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.rm)(runDir.path, { recursive: true, force: true });
        });
        const { manifest } = result;
        const facts = [
            ['database', `${manifest.database.database} on ${manifest.database.host}:${manifest.database.port} (PostgreSQL ${manifest.database.serverVersion}), Kong ${manifest.kong.version ?? 'unknown'}`],
            ['taken', `${manifest.startedAt} with pg_dump ${manifest.dump.toolVersion}, ${manifest.dump.format} format, encryption ${manifest.encryption.method}`],
            ['archive', `${manifest.archive.path}: ${manifest.files.length} file(s), ${manifest.archive.sizeBytes} bytes, checksums match`],
            ['contents', `pg_restore --list reads ${result.tocEntries} entries, ${result.tableData} with table data`],
            ['restore', result.trialRestore ? 'trial restore into a scratch database: fingerprint equals the manifest' : 'not tried (--trial-restore)'],
            ['fingerprint', `${manifest.fingerprint.digest} (${manifest.fingerprint.algorithm})`],
        ];
        process.stdout.write(`Backup verified: ${request.manifest}\n${facts.map(([name, value]) => `  ${name.padEnd(12)}${value}\n`).join('')}`);
        return 0;
    }
    catch (error) {
        process.stderr.write(`kong-upgrade: ${(0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_10__/* .errorMessage */ .gJ)(error)}\n`);
        return 1;
    }
}
/** Secrets are read from KONG_UPGRADE_<FLAG> when the flag is not given (argv is world-readable). */
const SECRET_FLAGS = new Set(['database-url', 'target-database-url', 'pg-password', 'target-pg-password', 'encryption-passphrase', 'encryption-private-key', 'admin-token']);
function flagInputs(values) {
    return {
        get(name) {
            const value = values[name];
            if (Array.isArray(value))
                return value.join('\n');
            if (typeof value === 'boolean')
                return String(value);
            if (value === undefined && name === 'github-token')
                return process.env.GITHUB_TOKEN ?? '';
            if (value === undefined && SECRET_FLAGS.has(name))
                return process.env[`KONG_UPGRADE_${name.toUpperCase().replaceAll('-', '_')}`] ?? '';
            return value ?? '';
        },
        // Nothing at a terminal collects logs for later; secrets are simply never printed.
        mask: () => { },
    };
}
process.exitCode = await main(process.argv.slice(2));

__webpack_async_result__();
} catch(e) { __webpack_async_result__(e); } }, 1);

/***/ }),

/***/ 8188:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  q: () => (/* binding */ readBackupRequest)
});

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __nccwpck_require__(6760);
// EXTERNAL MODULE: ./build/lib/errors.js
var errors = __nccwpck_require__(1469);
// EXTERNAL MODULE: ./build/lib/inputs.js
var inputs = __nccwpck_require__(2307);
// EXTERNAL MODULE: ./build/kong/admin-inputs.js
var admin_inputs = __nccwpck_require__(8877);
// EXTERNAL MODULE: ./build/database/connection-inputs.js
var connection_inputs = __nccwpck_require__(2218);
;// CONCATENATED MODULE: ./build/lib/platform.js

/**
 * This machine in the names release archives use (GoReleaser's, as decK's releases are built):
 * kept apart from tool-install.ts so that reading a download URL does not load the tool cache.
 */
/** `amd64` or `arm64`. */
function releaseArch(arch = process.arch) {
    if (arch === 'x64')
        return 'amd64';
    if (arch === 'arm64')
        return 'arm64';
    throw (0,errors/* stepError */.hH)('installing a tool', `no release archives for CPU architecture ${arch}`);
}
/** `linux` or `darwin`. */
function releaseOs(platform = process.platform) {
    if (platform === 'linux' || platform === 'darwin')
        return platform;
    throw (0,errors/* stepError */.hH)('installing a tool', `no release archives for ${platform} here`);
}

;// CONCATENATED MODULE: ./build/lib/deck-release.js



/** decK's release archives (GoReleaser: `deck_<version>_<os>_<arch>.tar.gz`, `checksums.txt` beside). */
const DECK_DOWNLOAD_URL = 'https://github.com/Kong/deck/releases/download/v{version}/deck_{version}_{os}_{arch}.tar.gz';
/**
 * `deck-version` (exact: the tool cache is keyed by it) and `deck-download-url` (a template with
 * {version}, {os}, {arch}), or undefined when no decK version is given: the download URL alone
 * does nothing, since action.yml gives it a default.
 */
function readDeckRelease(source, fallbackVersion) {
    const given = (0,inputs/* readString */.E3)(source, 'deck-version') ?? fallbackVersion;
    const template = (0,inputs/* readString */.E3)(source, 'deck-download-url') ?? DECK_DOWNLOAD_URL;
    if (given === undefined)
        return undefined;
    const version = given.replace(/^v/, '');
    if (!/^\d+\.\d+\.\d+$/.test(version))
        throw (0,errors/* inputError */.Xu)('deck-version', `"${given}" is not an exact decK version like 1.40.0`);
    if (!template.includes('{version}'))
        throw (0,errors/* inputError */.Xu)('deck-download-url', 'must contain {version} (and may contain {os} and {arch})');
    let url;
    const filled = template.replaceAll('{version}', version).replaceAll('{os}', releaseOs()).replaceAll('{arch}', releaseArch());
    try {
        url = new URL(filled);
    }
    catch {
        throw (0,errors/* inputError */.Xu)('deck-download-url', `"${filled}" is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
        throw (0,errors/* inputError */.Xu)('deck-download-url', `"${filled}" must be http(s)`);
    // GoReleaser writes checksums.txt beside the archives of a release.
    return { version, url: url.toString(), checksumsUrl: new URL('checksums.txt', url).toString() };
}

// EXTERNAL MODULE: ./build/version/kong-version.js
var kong_version = __nccwpck_require__(7143);
// EXTERNAL MODULE: ./build/database/encryption.js
var encryption = __nccwpck_require__(4371);
// EXTERNAL MODULE: ./build/lib/json-shape.js
var json_shape = __nccwpck_require__(3664);
// EXTERNAL MODULE: ./build/database/postgres/connect.js
var connect = __nccwpck_require__(9308);
// EXTERNAL MODULE: ./build/database/object-storage/location.js
var object_storage_location = __nccwpck_require__(323);
;// CONCATENATED MODULE: ./build/database/object-storage/settings.js


/** The `s3-*` inputs, with the region from AWS_REGION / AWS_DEFAULT_REGION when s3-region is not given. */
function readObjectStorageSettings(source, env) {
    const endpoint = (0,inputs/* readHttpUrl */.y7)(source, 's3-endpoint');
    const region = (0,inputs/* readString */.E3)(source, 's3-region') ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? (endpoint === undefined ? undefined : 'us-east-1');
    if (region === undefined)
        throw (0,errors/* inputError */.Xu)('s3-region', 'is required for object storage on AWS when neither AWS_REGION nor AWS_DEFAULT_REGION is set (aws-actions/configure-aws-credentials sets AWS_REGION), e.g. eu-west-1');
    if (!/^[a-z0-9-]{1,40}$/.test(region))
        throw (0,errors/* inputError */.Xu)('s3-region', `"${region}" is not a region name (lowercase letters, digits and -, e.g. eu-west-1)`);
    const kmsKeyId = (0,inputs/* readString */.E3)(source, 's3-kms-key-id');
    // s3-sse's default (action.yml gives it) with a KMS key means that key.
    const given = (0,inputs/* readEnum */.ai)(source, 's3-sse', ['default', 'AES256', 'aws:kms'], 'default');
    const sse = kmsKeyId !== undefined && given === 'default' ? 'aws:kms' : given;
    if (kmsKeyId !== undefined && sse === 'AES256')
        throw (0,errors/* inputError */.Xu)('s3-kms-key-id', 'goes with s3-sse aws:kms (or default), not AES256');
    if (kmsKeyId !== undefined && !/^[A-Za-z0-9:/_.-]{1,2048}$/.test(kmsKeyId))
        throw (0,errors/* inputError */.Xu)('s3-kms-key-id', 'is not a KMS key id, key ARN, alias (alias/name) or alias ARN');
    maskCredentials(source, env);
    return {
        endpoint,
        region,
        forcePathStyle: (0,inputs/* readBoolean */.Vf)(source, 's3-force-path-style', false),
        serverSideEncryption: sse,
        kmsKeyId,
        checksum: (0,inputs/* readEnum */.ai)(source, 's3-checksum', ['SHA256', 'none'], 'SHA256'),
    };
}
/** The secret halves of the environment's credentials, masked before anything can print them. */
function maskCredentials(source, env) {
    for (const name of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) {
        const value = nonEmpty(env[name]);
        if (value !== undefined)
            (0,inputs/* maskSecret */.$l)(source, value);
    }
}
function nonEmpty(value) {
    return value === undefined || value.trim() === '' ? undefined : value.trim();
}

;// CONCATENATED MODULE: ./build/database/backup-request.js












function readBackupRequest(source, env = process.env) {
    const mode = (0,inputs/* readEnum */.ai)(source, 'mode', ['backup', 'verify', 'restore', 'export', 'cassandra-snapshot'], 'backup');
    const workDir = env.RUNNER_TEMP ?? process.cwd();
    const common = {
        jobs: (0,inputs/* readPositiveInteger */.yg)(source, 'jobs', 1),
        binDir: readPath(source, 'pg-bin-dir'),
        encryption: readEncryption(source, mode),
        dryRun: (0,inputs/* readBoolean */.Vf)(source, 'dry-run', false),
        workDir,
    };
    const database = (0,connection_inputs/* readDatabaseInputs */.Z)(source);
    const sourceTarget = database && (0,connect/* targetFromInputs */.Ve)(database, (0,inputs/* readString */.E3)(source, 'database-url') !== undefined);
    const target = readTargetDatabase(source);
    const backupDir = () => external_node_path_.resolve(readPath(source, 'backup-dir') ?? external_node_path_.join(workDir, 'kong-backup'));
    if (mode === 'export') {
        const admin = (0,admin_inputs/* readAdminInputs */.x)(source);
        if (!admin)
            throw (0,errors/* inputError */.Xu)('admin-url', 'is required for mode export: the Admin API to export from, e.g. http://127.0.0.1:8001');
        return { mode, common, admin, backupDir: backupDir(), deck: readDeckRelease(source) };
    }
    if (mode === 'cassandra-snapshot') {
        const hosts = (0,inputs/* readList */.LD)(source, 'cassandra-hosts').map((item) => parseCassandraHost(item));
        if (hosts.length === 0)
            throw (0,errors/* inputError */.Xu)('cassandra-hosts', 'is required for mode cassandra-snapshot: every node to snapshot, host or host:jmx-port, newline or comma separated');
        const keyspace = (0,inputs/* readString */.E3)(source, 'cassandra-keyspace') ?? 'kong';
        if (!/^\w{1,48}$/.test(keyspace))
            throw (0,errors/* inputError */.Xu)('cassandra-keyspace', `"${keyspace}" is not a Cassandra keyspace name (letters, digits, _; at most 48)`);
        const tag = (0,inputs/* readString */.E3)(source, 'snapshot-tag');
        // The tag becomes a folder name on every node: keep it to characters no shell or path mangles.
        if (tag !== undefined && !/^[A-Za-z0-9._-]{1,100}$/.test(tag))
            throw (0,errors/* inputError */.Xu)('snapshot-tag', `"${tag}" may hold only letters, digits, '.', '_' and '-'`);
        const username = (0,inputs/* readString */.E3)(source, 'jmx-username');
        const password = (0,inputs/* readSecret */.n5)(source, 'jmx-password');
        if ((username === undefined) !== (password === undefined))
            throw (0,errors/* inputError */.Xu)(username === undefined ? 'jmx-username' : 'jmx-password', 'jmx-username and jmx-password go together');
        return {
            mode,
            common,
            backupDir: backupDir(),
            hosts,
            keyspace,
            tag,
            nodetool: readPath(source, 'nodetool-path') ?? 'nodetool',
            kongVersion: readKongVersion(source),
            jmx: username !== undefined && password !== undefined ? { username, password } : undefined,
        };
    }
    if (mode === 'backup') {
        if (!sourceTarget)
            throw (0,errors/* inputError */.Xu)('database-url', 'is required for mode backup (or pg-host and the other pg-* inputs)');
        // The manifest records it, and verify and restore read it back under the same rule.
        checkDatabaseName(sourceTarget);
        const format = (0,inputs/* readEnum */.ai)(source, 'format', ['custom', 'directory'], 'custom');
        if (format === 'custom' && common.jobs > 1) {
            throw (0,errors/* inputError */.Xu)('jobs', 'pg_dump runs parallel jobs only with format directory; use format: directory, or jobs: 1 (custom archives still restore in parallel)');
        }
        const bucket = (0,inputs/* readString */.E3)(source, 'object-storage');
        if (bucket !== undefined && format !== 'custom')
            throw (0,errors/* inputError */.Xu)('format', `is ${format}; a backup to object-storage is streamed as pg_dump writes it, which only format custom does`);
        return {
            mode,
            common,
            source: sourceTarget,
            backupDir: backupDir(),
            objectStorage: bucket === undefined ? undefined : { location: (0,object_storage_location/* parseS3Url */.F$)(bucket, 'object-storage'), settings: readObjectStorageSettings(source, env) },
            format,
            compression: (0,inputs/* readString */.E3)(source, 'compression') ?? 'auto',
            kongVersion: readKongVersion(source),
        };
    }
    const given = readPath(source, 'manifest');
    if (given === undefined)
        throw (0,errors/* inputError */.Xu)('manifest', `is required for mode ${mode}: the manifest.json a backup wrote (a path, or s3://bucket/prefix/manifest.json)`);
    const remote = (0,object_storage_location/* isS3Url */.At)(given);
    if (remote)
        (0,object_storage_location/* parseS3Url */.F$)(given, 'manifest');
    const manifest = remote ? given : external_node_path_.resolve(given);
    const objectStorage = remote ? readObjectStorageSettings(source, env) : undefined;
    if (mode === 'verify') {
        const trial = (0,inputs/* readBoolean */.Vf)(source, 'trial-restore', false);
        const trialServer = trial ? (target ?? sourceTarget) : undefined;
        if (trial && !trialServer)
            throw (0,errors/* inputError */.Xu)('trial-restore', 'needs a server for the scratch database: give target-database-url (or target-pg-*) or database-url');
        return { mode, common, manifest, objectStorage, trialServer };
    }
    const restoreTarget = target ?? sourceTarget;
    if (!restoreTarget)
        throw (0,errors/* inputError */.Xu)('target-database-url', 'is required for mode restore (or target-pg-host …, or database-url for restoring into the database given there)');
    checkDatabaseName(restoreTarget);
    return {
        mode,
        common,
        manifest,
        objectStorage,
        target: restoreTarget,
        method: (0,inputs/* readEnum */.ai)(source, 'restore-method', ['swap', 'clean'], 'swap'),
        allowRestoreOverSource: (0,inputs/* readBoolean */.Vf)(source, 'allow-restore-over-source', false),
        allowLiveConnections: (0,inputs/* readBoolean */.Vf)(source, 'allow-live-connections', false),
        maintenanceDatabase: readDatabaseName(source, 'maintenance-database') ?? 'postgres',
        lockTimeoutMs: (0,inputs/* readDuration */.$7)(source, 'lock-timeout', '30s'),
    };
}
/**
 * A path input: at most PATH_MAX (4096) bytes with names of at most NAME_MAX (255), and no
 * control characters, checked before any file call, which would fail with ENAMETOOLONG or
 * write a name no log line can show.
 */
function readPath(source, name) {
    const value = (0,inputs/* readString */.E3)(source, name);
    if (value === undefined)
        return undefined;
    const allowed = 'a path of at most 4096 bytes, each name at most 255, without control characters';
    if (/\p{Cc}/u.test(value))
        throw (0,errors/* inputError */.Xu)(name, `${(0,json_shape/* quote */.hD)(value)} holds a control character; expected ${allowed}`);
    if (Buffer.byteLength(value) > 4096)
        throw (0,errors/* inputError */.Xu)(name, `is ${Buffer.byteLength(value)} bytes long; expected ${allowed}`);
    const long = value.split(/[/\\]/).find((part) => Buffer.byteLength(part) > 255);
    if (long !== undefined)
        throw (0,errors/* inputError */.Xu)(name, `has a name of ${Buffer.byteLength(long)} bytes (${(0,json_shape/* quote */.hD)(long)}); expected ${allowed}`);
    return value;
}
/** An input naming a database this step connects to or creates (isDatabaseName's rule). */
function readDatabaseName(source, name) {
    const value = (0,inputs/* readString */.E3)(source, name);
    if (value !== undefined && !(0,connect/* isDatabaseName */.lH)(value))
        throw (0,errors/* inputError */.Xu)(name, `${(0,json_shape/* quote */.hD)(value)} is not a database name (${connect/* DATABASE_NAME_RULE */.Pj})`);
    return value;
}
function checkDatabaseName(target) {
    const name = target.db.database;
    if (!(0,connect/* isDatabaseName */.lH)(name))
        throw (0,errors/* inputError */.Xu)(target.inputs.database, `database ${(0,json_shape/* quote */.hD)(name)} is not a database name this action works with (${connect/* DATABASE_NAME_RULE */.Pj})`);
}
/** `kong-version`: what the manifest records, so a Kong version (or release line, as schema_meta gives). */
function readKongVersion(source) {
    const value = (0,inputs/* readString */.E3)(source, 'kong-version');
    if (value === undefined)
        return undefined;
    if (/^\d+\.\d+$/.test(value))
        return value;
    const version = (0,kong_version/* tryParseKongVersion */.SC)(value);
    if (!version)
        throw (0,errors/* inputError */.Xu)('kong-version', `${(0,json_shape/* quote */.hD)(value)} is not a Kong version; accepted forms: ${kong_version/* ACCEPTED_VERSION_FORMS */.Fv}, or a release line such as 3.4`);
    return (0,kong_version/* formatKongVersion */.Xz)(version);
}
function parseCassandraHost(item) {
    const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(item);
    if (!match)
        throw (0,errors/* inputError */.Xu)('cassandra-hosts', `"${item}" is not host or host:port`);
    const port = match[2] === undefined ? 7199 : Number(match[2]);
    if (port < 1 || port > 65_535)
        throw (0,errors/* inputError */.Xu)('cassandra-hosts', `"${item}": port ${port} is not 1-65535`);
    return { host: match[1].replace(/^\[|\]$/g, ''), port };
}
/** `target-database-url` / `target-pg-*`: the shared reader under a prefix, errors renamed. */
function readTargetDatabase(source) {
    const prefixed = { get: (name) => source.get(`target-${name}`), mask: (secret) => source.mask(secret) };
    try {
        const db = (0,connection_inputs/* readDatabaseInputs */.Z)(prefixed);
        return db && (0,connect/* targetFromInputs */.Ve)(db, (0,inputs/* readString */.E3)(prefixed, 'database-url') !== undefined, 'target-');
    }
    catch (error) {
        if (error instanceof errors/* UpgradeError */.fy && 'input' in error.origin) {
            const detail = error.message.replace(/^input '[^']+': /, '').replace(/\b(database-url|pg-[a-z]+)\b/g, 'target-$1');
            throw (0,errors/* inputError */.Xu)(`target-${error.origin.input}`, detail, error);
        }
        throw error;
    }
}
function readEncryption(source, mode) {
    const method = (0,inputs/* readEnum */.ai)(source, 'encryption', ['none', 'gpg-symmetric', 'gpg-recipient'], 'none');
    const passphrase = (0,inputs/* readSecret */.n5)(source, 'encryption-passphrase');
    if (passphrase !== undefined)
        (0,encryption/* checkPassphrase */.Bt)(passphrase);
    const privateKey = (0,inputs/* readSecret */.n5)(source, 'encryption-private-key');
    const recipients = (0,inputs/* readList */.LD)(source, 'encryption-recipients');
    const publicKey = (0,inputs/* readString */.E3)(source, 'encryption-public-key');
    // verify/restore: the manifest says how the archive was encrypted; the secret given decides.
    const effective = method !== 'none' ? method : mode === 'backup' ? 'none' : privateKey !== undefined ? 'gpg-recipient' : passphrase !== undefined ? 'gpg-symmetric' : 'none';
    if (effective === 'none')
        return undefined;
    if (effective === 'gpg-symmetric') {
        if (passphrase === undefined)
            throw (0,errors/* inputError */.Xu)('encryption-passphrase', 'is required with encryption: gpg-symmetric');
        if (mode === 'backup' && passphrase.length < 12)
            throw (0,errors/* inputError */.Xu)('encryption-passphrase', 'is shorter than 12 characters; use a long random secret');
        return { method: 'gpg-symmetric', passphrase };
    }
    if (mode === 'backup' && recipients.length === 0)
        throw (0,errors/* inputError */.Xu)('encryption-recipients', 'is required with encryption: gpg-recipient (key ids, fingerprints or e-mail addresses)');
    return {
        method: 'gpg-recipient',
        recipients,
        ...(publicKey !== undefined && { publicKey }),
        ...(privateKey !== undefined && { privateKey }),
        ...(passphrase !== undefined && { passphrase }),
    };
}


/***/ }),

/***/ 2218:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Z: () => (/* binding */ readDatabaseInputs)
/* harmony export */ });
/* harmony import */ var _lib_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(1469);
/* harmony import */ var _lib_inputs_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(2307);
/* harmony import */ var _lib_log_text_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(2180);
/* harmony import */ var _connection_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(7426);




/**
 * The database inputs every action shares, read and validated before any side effect:
 * `database-url` (a postgres URI) or `pg-host`, `pg-port`, `pg-user`, `pg-password`,
 * `pg-database`, `pg-sslmode`. A password, alone or inside the URL, is masked as it is read.
 */
/** From `database-url` (a postgres URI) or the `pg-*` inputs; undefined when neither is given. */
function readDatabaseInputs(source) {
    const url = (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .readSecret */ .n5)(source, 'database-url');
    const separate = ['pg-host', 'pg-port', 'pg-user', 'pg-password', 'pg-database'].filter((name) => (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .readString */ .E3)(source, name) !== undefined);
    if (url !== undefined && separate.length > 0) {
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)('database-url', `give either database-url or the pg-* inputs, not both (also set: ${separate.join(', ')})`);
    }
    if (url !== undefined)
        return parseDatabaseUrl(url, source);
    const host = (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .readString */ .E3)(source, 'pg-host');
    if (host === undefined) {
        if (separate.length > 0)
            throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)('pg-host', `is required when ${separate.join(', ')} is set`);
        return undefined;
    }
    return {
        host,
        port: (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .readPositiveInteger */ .yg)(source, 'pg-port', 5432),
        user: (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .readString */ .E3)(source, 'pg-user') ?? 'kong',
        password: (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .readSecret */ .n5)(source, 'pg-password'),
        database: (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .readString */ .E3)(source, 'pg-database') ?? 'kong',
        sslmode: (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .readEnum */ .ai)(source, 'pg-sslmode', _connection_js__WEBPACK_IMPORTED_MODULE_2__/* .SSL_MODES */ .yj, 'prefer'),
    };
}
function parseDatabaseUrl(text, source) {
    let url;
    try {
        url = new URL(text);
    }
    catch {
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)('database-url', 'is not a URL; expected postgres://user:password@host:5432/database');
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)('database-url', `scheme "${url.protocol}" is not supported; expected postgres:// or postgresql://`);
    }
    // Masked before it is decoded: a malformed escape must not leave it printable.
    if (url.password !== '')
        source.mask(url.password);
    const password = url.password === '' ? undefined : decodeUrlPart(url.password, 'the password');
    if (password !== undefined)
        (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .maskSecret */ .$l)(source, password);
    const sslmode = url.searchParams.get('sslmode') ?? (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .readString */ .E3)(source, 'pg-sslmode') ?? 'prefer';
    if (!_connection_js__WEBPACK_IMPORTED_MODULE_2__/* .SSL_MODES */ .yj.includes(sslmode)) {
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)('database-url', `sslmode "${sslmode}" is not one of ${_connection_js__WEBPACK_IMPORTED_MODULE_2__/* .SSL_MODES */ .yj.join(', ')}`);
    }
    const port = url.port === '' ? 5432 : Number(url.port);
    return {
        host: url.hostname === '' ? 'localhost' : decodeUrlPart(url.hostname, 'the host'),
        port,
        user: url.username === '' ? 'kong' : decodeUrlPart(url.username, 'the user'),
        password,
        database: url.pathname.length > 1 ? decodeUrlPart(url.pathname.slice(1), 'the database name') : 'kong',
        sslmode: sslmode,
    };
}
/**
 * A %-escaped part of database-url, decoded. Refused when an escape is malformed (`%zz`) or
 * decodes to a control character: libpq takes its settings from C strings and the environment,
 * where a NUL cannot be passed (Node refuses it in a child's environment) and a line break
 * would split a log line. The value itself is never quoted: it may be the password.
 */
function decodeUrlPart(text, what) {
    let decoded;
    try {
        decoded = decodeURIComponent(text);
    }
    catch {
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)('database-url', `${what} has a malformed %-escape; encode a literal % as %25`);
    }
    if ((0,_lib_log_text_js__WEBPACK_IMPORTED_MODULE_3__/* .hasControl */ .aQ)(decoded))
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)('database-url', `${what} holds a control character (e.g. %00 or %0A), which a PostgreSQL connection setting cannot hold`);
    return decoded;
}


/***/ }),

/***/ 7426:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   DZ: () => (/* binding */ describeDatabase),
/* harmony export */   SQ: () => (/* binding */ libpqEnvironment),
/* harmony export */   yj: () => (/* binding */ SSL_MODES)
/* harmony export */ });
/**
 * A PostgreSQL database as the suite connects to it: what backup-db, migrate and the plan read
 * from their database inputs (connection-inputs.ts), and what reaches child processes only
 * through libpq's environment.
 */
const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
/** libpq's environment for child processes (pg_dump, kong): the password never goes in argv. */
function libpqEnvironment(db) {
    const env = {
        PGHOST: db.host,
        PGPORT: String(db.port),
        PGUSER: db.user,
        PGDATABASE: db.database,
        PGSSLMODE: db.sslmode,
    };
    if (db.password !== undefined)
        env.PGPASSWORD = db.password;
    return env;
}
/** Host, port and database only: what may appear in logs, outputs and manifests. */
function describeDatabase(db) {
    return `${db.user}@${db.host}:${db.port}/${db.database}`;
}


/***/ }),

/***/ 4371:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Bt: () => (/* binding */ checkPassphrase),
/* harmony export */   DN: () => (/* binding */ decryptFiles),
/* harmony export */   TB: () => (/* binding */ ENCRYPTED_SUFFIX)
/* harmony export */ });
/* unused harmony exports stopGpgAgent, encryptFiles, encryptStream */
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(1455);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(8161);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(6760);
/* harmony import */ var _lib_errors_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(1469);
/* harmony import */ var _lib_exec_js__WEBPACK_IMPORTED_MODULE_4__ = __nccwpck_require__(342);





const ENCRYPTED_SUFFIX = '.gpg';
/**
 * gpg reads a passphrase from `--passphrase-fd` up to the first newline ("Only the first line
 * will be read", gpg(1)), and so does every other way of giving it one without argv: a
 * multi-line passphrase would encrypt with its first line alone. Refused rather than cut.
 */
function checkPassphrase(passphrase) {
    if (/[\r\n]/.test(passphrase)) {
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .inputError */ .Xu)('encryption-passphrase', 'holds more than one line, and gpg reads only the first line of a passphrase (the rest would protect nothing): give a one-line passphrase. A backup encrypted with a multi-line passphrase was encrypted with its first line alone: give that line to decrypt it');
    }
}
/**
 * gpg's home: inside the run's private folder when given (a killed run leaves the imported key
 * there, and the ledger names the agent to stop), else the system temp folder. Short either way:
 * gpg-agent's sockets live in it and socket paths are limited to ~100 bytes.
 */
async function openGpg(runDir, gpgBinary = 'gpg') {
    const base = runDir && runDir.path.length <= SOCKET_BASE_MAX ? runDir.path : node_os__WEBPACK_IMPORTED_MODULE_1__.tmpdir();
    const home = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.mkdtemp)(node_path__WEBPACK_IMPORTED_MODULE_2__.join(base, 'kgpg-'));
    const key = `gpg-home-${node_path__WEBPACK_IMPORTED_MODULE_2__.basename(home)}`;
    await runDir?.note(key, { kind: 'gpg-home', path: home });
    const args = ['--homedir', home, '--batch', '--yes', '--no-tty', '--quiet'];
    // Always with a signal: that is execCommand's spawn path, which reports the signal that ended
    // gpg (SIGXFSZ when the file size limit is hit) where @actions/exec reports none.
    const exec = (rest, stdin, signal, streams) => (0,_lib_exec_js__WEBPACK_IMPORTED_MODULE_4__/* .execCommand */ .N)({ command: gpgBinary, args: [...args, ...rest], stdin: stdin ?? '', signal: signal ?? new AbortController().signal, ...streams });
    return {
        exec,
        async run(rest, stdin, signal) {
            const result = await exec(rest, stdin, signal);
            if (result.exitCode !== 0 || result.signal !== undefined)
                throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .stepError */ .hH)('gpg', failure(result));
            return result.stdout;
        },
        async close() {
            // gpg starts a gpg-agent for the home dir; stop it so nothing outlives the step.
            await stopGpgAgent(home);
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.rm)(home, { recursive: true, force: true });
            await runDir?.forget(key);
        },
    };
}
/** The longest run folder a gpg home goes in: leaves room for `kgpg-XXXXXX/S.gpg-agent.browser`. */
const SOCKET_BASE_MAX = 70;
/** Stops the gpg-agent gpg started for `home` (it outlives gpg otherwise). */
async function stopGpgAgent(home) {
    await (0,_lib_exec_js__WEBPACK_IMPORTED_MODULE_4__/* .execCommand */ .N)({ command: 'gpgconf', args: ['--homedir', home, '--kill', 'gpg-agent'] }).catch(() => { });
}
/** gpg's last words, or how it ended when it said nothing (e.g. killed by SIGXFSZ). */
function failure(result) {
    const reason = result.stderr.trim().split('\n').slice(-2).join(' ');
    const ended = result.signal ? `killed by ${result.signal}` : `exit code ${result.exitCode}`;
    return reason ? `${reason} (${ended})` : ended;
}
/** The file could not be written for want of room (ENOSPC, EFBIG, EDQUOT, or the file size limit). */
function noRoom(result) {
    if (result.signal === 'SIGXFSZ')
        return 'file size limit exceeded (SIGXFSZ)';
    const line = result.stderr.split('\n').find((l) => /No space left|File too large|Disk quota exceeded/i.test(l));
    return line?.replace(/^gpg: /, '').trim();
}
/** The recipients' public keys given in encryption-public-key, into the throwaway keyring. */
async function importPublicKey(gpg, options) {
    if (options.method !== 'gpg-recipient' || options.publicKey === undefined)
        return;
    await gpg.run(['--import'], options.publicKey).catch((error) => {
        throw inputError('encryption-public-key', `gpg could not import it: ${error.message}`, error);
    });
}
/** Encrypts each file to `<file>.gpg` and removes the plain file; returns the new paths. */
async function encryptFiles(files, options, signal, runDir) {
    if (options.passphrase !== undefined)
        checkPassphrase(options.passphrase);
    const gpg = await openGpg(runDir);
    try {
        await importPublicKey(gpg, options);
        const out = [];
        for (const file of files) {
            const target = `${file}${ENCRYPTED_SUFFIX}`;
            // The dump is compressed already: gpg's own compression would only cost time.
            const common = ['--compress-algo', 'none', '--output', target];
            const result = options.method === 'gpg-symmetric'
                ? await gpg.exec(['--pinentry-mode', 'loopback', '--passphrase-fd', '0', '--symmetric', '--cipher-algo', 'AES256', ...common, file], options.passphrase, signal)
                : await gpg.exec(['--trust-model', 'always', ...options.recipients.flatMap((r) => ['--recipient', r]), ...common, '--encrypt', file], undefined, signal);
            if (result.exitCode !== 0 || result.signal !== undefined) {
                await rm(target, { force: true });
                const full = noRoom(result);
                // Both callers (database backup, decK export) write into backup-dir.
                if (full)
                    throw inputError('backup-dir', `no room to write the encrypted archive in ${path.dirname(target)}: ${full}`);
                if (result.aborted)
                    throw stepError('gpg', `encryption stopped (${result.signal ?? 'aborted'})`);
                if (options.method === 'gpg-recipient')
                    throw inputError('encryption-recipients', `gpg could not encrypt to ${options.recipients.join(', ')}: ${failure(result)}`);
                throw stepError('gpg', failure(result));
            }
            await rm(file);
            out.push(target);
        }
        return out;
    }
    finally {
        await gpg.close();
    }
}
/**
 * Encrypts a stream (a dump on its way to object storage) as encryptFiles does a file, with the
 * same settings: gpg reads the passphrase's line, then the data, on stdin (`--passphrase-fd 0`
 * reads up to the first newline) and writes the encrypted stream to stdout. `done` settles when
 * gpg has exited, rejecting when it failed.
 */
async function encryptStream(input, options, signal, runDir) {
    if (options.passphrase !== undefined)
        checkPassphrase(options.passphrase);
    const gpg = await openGpg(runDir);
    try {
        await importPublicKey(gpg, options);
    }
    catch (error) {
        await gpg.close();
        throw error;
    }
    const common = ['--compress-algo', 'none', '--output', '-'];
    let output;
    const running = options.method === 'gpg-symmetric'
        ? gpg.exec(['--pinentry-mode', 'loopback', '--passphrase-fd', '0', '--symmetric', '--cipher-algo', 'AES256', ...common], `${options.passphrase}\n`, signal, { stdinStream: input, onStdout: (s) => (output = s) })
        : gpg.exec(['--trust-model', 'always', ...options.recipients.flatMap((r) => ['--recipient', r]), ...common, '--encrypt'], '', signal, { stdinStream: input, onStdout: (s) => (output = s) });
    const done = running.then((result) => {
        if (result.exitCode === 0 && result.signal === undefined)
            return;
        if (result.aborted)
            throw stepError('gpg', `encryption stopped (${result.signal ?? 'aborted'})`);
        if (options.method === 'gpg-recipient')
            throw inputError('encryption-recipients', `gpg could not encrypt to ${options.recipients.join(', ')}: ${failure(result)}`);
        throw stepError('gpg', failure(result));
    }).finally(() => gpg.close());
    // execCommand hands stdout over as it spawns, before its promise settles.
    if (output === undefined) {
        await done;
        throw stepError('gpg', 'gave no output stream');
    }
    return { output, done };
}
/** Key ids (16 hex digits) of the `ENC_TO` status lines: the public keys a message is encrypted to. */
function encryptedTo(status) {
    return [...status.matchAll(/^\[GNUPG:\] ENC_TO ([0-9A-F]{16}) /gm)].map((m) => m[1]);
}
/** Decrypts `<base>/<file>.gpg` files into `outDir/<file>`; a failure leaves no partial plain file. */
async function decryptFiles(base, files, outDir, options, signal, runDir) {
    if (options.passphrase !== undefined)
        checkPassphrase(options.passphrase);
    const gpg = await openGpg(runDir);
    try {
        // The ids of the private key's (sub)keys, to tell "not the right key" from "wrong passphrase".
        let secretKeyIds = [];
        if (options.method === 'gpg-recipient') {
            if (options.privateKey === undefined)
                throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .inputError */ .Xu)('encryption-private-key', 'is required to decrypt an archive encrypted to recipients');
            await gpg.run(['--import'], options.privateKey).catch((error) => {
                throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .inputError */ .Xu)('encryption-private-key', `gpg could not import it: ${error.message}`, error);
            });
            // --with-colons: field 5 the key id; field 15 '#' for a stub whose secret part is absent.
            const listing = await gpg.run(['--with-colons', '--list-secret-keys']);
            secretKeyIds = listing.split('\n').map((line) => line.split(':')).filter((f) => (f[0] === 'sec' || f[0] === 'ssb') && f[14] !== '#').map((f) => f[4]);
            if (secretKeyIds.length === 0)
                throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .inputError */ .Xu)('encryption-private-key', 'holds no private key (an armored "PRIVATE KEY BLOCK" is needed, not a public key)');
        }
        for (const file of files) {
            const plain = node_path__WEBPACK_IMPORTED_MODULE_2__.join(outDir, file.endsWith(ENCRYPTED_SUFFIX) ? file.slice(0, -ENCRYPTED_SUFFIX.length) : file);
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.mkdir)(node_path__WEBPACK_IMPORTED_MODULE_2__.dirname(plain), { recursive: true });
            // Status lines on stdout (the plain text goes to --output): they name the keys the file is encrypted to.
            const result = await gpg.exec(['--status-fd', '1', '--pinentry-mode', 'loopback', '--passphrase-fd', '0', '--output', plain, '--decrypt', node_path__WEBPACK_IMPORTED_MODULE_2__.join(base, file)], options.passphrase ?? '', signal);
            if (result.exitCode === 0 && result.signal === undefined)
                continue;
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.rm)(plain, { force: true });
            throw decryptionError(result, file, outDir, options, secretKeyIds);
        }
    }
    finally {
        await gpg.close();
    }
}
function decryptionError(result, file, outDir, options, secretKeyIds) {
    const full = noRoom(result);
    if (full)
        return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .stepError */ .hH)('decrypting the archive', `no room to write the decrypted archive in ${outDir}: ${full}; free space there (the decrypted copy is about as large as the archive)`);
    if (result.aborted)
        return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .stepError */ .hH)('decrypting the archive', `stopped (${result.signal ?? 'aborted'})`);
    const reason = failure(result);
    const recipients = encryptedTo(result.stdout);
    const keyProblem = /no secret key|bad passphrase|bad session key/i.test(result.stderr);
    if (recipients.length > 0 && keyProblem) {
        if (options.method === 'gpg-symmetric') {
            return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .inputError */ .Xu)('encryption-private-key', `${file} is encrypted to public key(s) ${recipients.join(', ')}, not with a passphrase: give the private key (and encryption-passphrase if the key has one)`);
        }
        const hidden = recipients.every((id) => /^0+$/.test(id));
        const held = recipients.filter((id) => secretKeyIds.includes(id));
        if (hidden) {
            return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .inputError */ .Xu)('encryption-private-key', `gpg could not decrypt ${file} (its recipients are hidden): the key given (${secretKeyIds.join(', ')}) is not one it is encrypted to, or encryption-passphrase is wrong for it`);
        }
        if (held.length === 0) {
            return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .inputError */ .Xu)('encryption-private-key', `is not a key this archive is encrypted to: ${file} is encrypted to ${recipients.join(', ')}; the key given: ${secretKeyIds.join(', ')}`);
        }
        return options.passphrase === undefined || options.passphrase === ''
            ? (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .inputError */ .Xu)('encryption-passphrase', `the private key ${held.join(', ')} is protected by a passphrase: give it in encryption-passphrase`)
            : (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .inputError */ .Xu)('encryption-passphrase', `is wrong for the private key ${held.join(', ')}: gpg could not unlock it`);
    }
    if (keyProblem)
        return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .inputError */ .Xu)('encryption-passphrase', `is wrong, or is not what the archive was encrypted with: gpg could not decrypt: ${reason}`);
    return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .stepError */ .hH)('decrypting the archive', `gpg could not decrypt ${file}: ${reason}`);
}


/***/ }),

/***/ 3387:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   DB: () => (/* binding */ BACKUP_MANIFEST),
/* harmony export */   WI: () => (/* binding */ readManifest),
/* harmony export */   tS: () => (/* binding */ compareFingerprints)
/* harmony export */ });
/* unused harmony exports MANIFEST_SCHEMA, writeManifestAtomically, writeJsonAtomically, FILE_SHAPE */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(7598);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(1455);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(6760);
/* harmony import */ var _lib_fsync_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(2973);
/* harmony import */ var _postgres_connect_js__WEBPACK_IMPORTED_MODULE_4__ = __nccwpck_require__(9308);
/* harmony import */ var _lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__ = __nccwpck_require__(3664);
/* harmony import */ var _kong_entities_js__WEBPACK_IMPORTED_MODULE_6__ = __nccwpck_require__(8113);







/**
 * The backup manifest, `kong-upgrade/backup-manifest@1` (docs/design.md "Contracts"):
 * what an archive holds, read in the snapshot pg_dump dumped. Written last and atomically by
 * backup-db; no manifest means no backup. migrate (backup gate) and smoke-test (baseline
 * counts) read it, so fields are only ever added; documented in actions/backup-db/README.md.
 */
const MANIFEST_SCHEMA = 'kong-upgrade/backup-manifest@1';
/**
 * Temp name + rename in the same folder: readers see no manifest or a whole one; the temp file
 * and then the folder are synced, so after a crash the manifest is whole or absent too.
 */
async function writeManifestAtomically(file, manifest) {
    await writeJsonAtomically(file, manifest);
}
/** The same for any JSON index (the export's, the Cassandra snapshot's). */
async function writeJsonAtomically(file, data) {
    const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
    try {
        await writeFile(temp, `${JSON.stringify(data, null, 2)}\n`, { flag: 'wx', flush: true });
        await rename(temp, file);
        await syncPaths([path.dirname(file)]);
    }
    catch (error) {
        await rm(temp, { force: true });
        throw error;
    }
}
/**
 * Reads and checks a manifest; errors name `input` (the input that gave its path) and each field
 * that is wrong. Every field is untrusted: a manifest is a file anyone who can write to the
 * backup folder, or hand over an artifact, can edit, and its values reach SQL, pg_restore and logs.
 */
async function readManifest(file, input) {
    return (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .readContract */ .Jz)(file, input, [BACKUP_MANIFEST]);
}
const HEX64 = /^[0-9a-f]{64}$/;
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const NAME = /^[A-Za-z0-9_.:$-]{1,128}$/;
const identity = (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .object */ .Ik)({
    host: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .text */ .Qq)((v) => (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .printable */ .g$)(v) && v.length <= 255, 'a host name'),
    port: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .wholeNumber */ .rD)(1, 65_535),
    database: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .text */ .Qq)(_postgres_connect_js__WEBPACK_IMPORTED_MODULE_4__/* .isDatabaseName */ .lH, `a database name (${_postgres_connect_js__WEBPACK_IMPORTED_MODULE_4__/* .DATABASE_NAME_RULE */ .Pj})`),
    systemIdentifier: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .nullable */ .me)((0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .matching */ .wC)(/^\d{1,20}$/, 'a system identifier (digits)')),
    serverVersion: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .text */ .Qq)((v) => (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .printable */ .g$)(v) && v.length <= 100, 'a server version'),
});
/** A path relative to the manifest's folder: `/`-separated names, none of them `..` or `.`. */
function isRelativePath(value) {
    return (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .printable */ .g$)(value) && !value.includes('\\') && value.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}
const relativePath = (value, field, problems) => {
    if (typeof value !== 'string' || isRelativePath(value))
        return (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .text */ .Qq)()(value, field, problems);
    const leaves = node_path__WEBPACK_IMPORTED_MODULE_2__.isAbsolute(value) || value.split(/[/\\]/).includes('..');
    problems.push(`${field} ${(0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .quote */ .hD)(value)} ${leaves ? 'leaves the backup folder' : 'is not a path of /-separated names'} (a relative path inside the folder is allowed)`);
};
/** A file of an archive or export with its size and SHA-256 (ManifestFile). */
const FILE_SHAPE = (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .object */ .Ik)({ path: relativePath, sizeBytes: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .wholeNumber */ .rD)(0), sha256: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .matching */ .wC)(HEX64, 'a SHA-256') });
const MANIFEST_SHAPE = (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .object */ .Ik)({
    database: identity,
    lineage: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .object */ .Ik)({
        restoredFrom: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .nullable */ .me)((0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .object */ .Ik)({ manifest: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .text */ .Qq)(_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .printable */ .g$, 'a path'), database: identity, fingerprint: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .matching */ .wC)(HEX64, 'a SHA-256'), finishedAt: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .matching */ .wC)(ISO_TIME, 'a UTC time') })),
    }),
    kong: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .object */ .Ik)({ version: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .nullable */ .me)((0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .matching */ .wC)(/^[0-9A-Za-z.-]{1,40}$/, 'a Kong version')), source: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .oneOf */ .yL)(['input', 'schema_meta', 'unknown']) }),
    schemaMeta: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .nullable */ .me)((0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .listOf */ .c3)((0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .object */ .Ik)({
        subsystem: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .matching */ .wC)(NAME, 'a subsystem name'),
        lastExecuted: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .nullable */ .me)((0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .matching */ .wC)(NAME, 'a migration name')),
        executed: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .listOf */ .c3)((0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .matching */ .wC)(NAME, 'a migration name')),
        pending: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .listOf */ .c3)((0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .matching */ .wC)(NAME, 'a migration name')),
    }))),
    counts: _kong_entities_js__WEBPACK_IMPORTED_MODULE_6__/* .ENTITY_COUNTS_SHAPE */ .VG,
    fingerprint: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .object */ .Ik)({
        algorithm: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .oneOf */ .yL)(['row-hashrecord-sum-v1', 'row-hashtextextended-sum-v1', 'row-md5-sum-v1']),
        digest: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .matching */ .wC)(HEX64, 'a SHA-256'),
        tables: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .recordOf */ .zv)(/^[a-z_][a-z0-9_]{0,62}$/, (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .object */ .Ik)({ entity: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .matching */ .wC)(/^[a-z0-9_]{1,64}$/, 'an entity name'), rows: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .wholeNumber */ .rD)(0), hash: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .matching */ .wC)(/^-?\d{1,30}$/, 'a decimal hash') })),
    }),
    dump: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .object */ .Ik)({
        tool: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .oneOf */ .yL)(['pg_dump']),
        toolVersion: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .text */ .Qq)((v) => (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .printable */ .g$)(v) && v.length <= 40, 'a version'),
        format: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .oneOf */ .yL)(['custom', 'directory']),
        compression: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .matching */ .wC)(/^[a-z0-9:]{1,20}$/, 'a compression'),
        jobs: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .wholeNumber */ .rD)(1, 1024),
        snapshot: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .text */ .Qq)((v) => (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .printable */ .g$)(v) && v.length <= 100, 'a snapshot name'),
    }),
    encryption: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .object */ .Ik)({ method: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .oneOf */ .yL)(['none', 'gpg-symmetric', 'gpg-recipient']), recipients: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .listOf */ .c3)((0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .text */ .Qq)(_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .printable */ .g$, 'a key id or address')) }),
    archive: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .object */ .Ik)({ path: relativePath, checksum: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .text */ .Qq)((v) => (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .printable */ .g$)(v) && v.length <= 128, 'a checksum'), sizeBytes: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .wholeNumber */ .rD)(0) }),
    files: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .listOf */ .c3)(FILE_SHAPE),
    startedAt: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .matching */ .wC)(ISO_TIME, 'a UTC time'),
    finishedAt: (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_5__/* .matching */ .wC)(ISO_TIME, 'a UTC time'),
});
/** `kong-upgrade/backup-manifest@1` of PostgreSQL; the same id on a Cassandra snapshot is named as such. */
const BACKUP_MANIFEST = {
    schema: MANIFEST_SCHEMA,
    name: 'backup manifest',
    shape: (value, field, problems) => {
        // Same schema family, other store (src/database/cassandra/snapshot.ts): say so rather than list missing fields.
        if (value.format === 'cassandra-snapshot')
            problems.push('it describes a Cassandra snapshot (format cassandra-snapshot), not a PostgreSQL backup');
        else
            MANIFEST_SHAPE(value, field, problems);
    },
};
/** The tables whose fingerprints differ, with how: empty when equal. */
function compareFingerprints(expected, actual) {
    const differences = [];
    if (expected.algorithm !== actual.algorithm)
        return [`fingerprint algorithms differ (${expected.algorithm} vs ${actual.algorithm}): recompute with the manifest's`];
    const tables = new Set([...Object.keys(expected.tables), ...Object.keys(actual.tables)]);
    for (const table of [...tables].sort()) {
        const want = expected.tables[table];
        const got = actual.tables[table];
        if (!want)
            differences.push(`${table}: not in the backup (${got?.rows} rows now)`);
        else if (!got)
            differences.push(`${table}: missing (${want.rows} rows in the backup)`);
        else if (want.rows !== got.rows)
            differences.push(`${table}: ${got.rows} rows, backup has ${want.rows}`);
        else if (want.hash !== got.hash)
            differences.push(`${table}: same ${got.rows} rows but different content`);
    }
    return differences;
}


/***/ }),

/***/ 323:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   At: () => (/* binding */ isS3Url),
/* harmony export */   F$: () => (/* binding */ parseS3Url),
/* harmony export */   Gz: () => (/* binding */ below),
/* harmony export */   LL: () => (/* binding */ formatS3Url),
/* harmony export */   gN: () => (/* binding */ parentOf)
/* harmony export */ });
/* harmony import */ var _lib_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(1469);
/* harmony import */ var _lib_json_shape_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(3664);


const S3_SCHEME = 's3://';
function isS3Url(value) {
    return value.startsWith(S3_SCHEME);
}
/**
 * `s3://bucket/prefix`, checked before any request: a bucket name by the S3 rules (3-63
 * lowercase letters, digits, `.` and `-`, starting and ending with a letter or digit), and a key
 * of `/`-separated names, none empty, `.` or `..` (the manifest's relative paths are joined to
 * it, so a key must mean one place), without control characters, at most 1024 bytes with room
 * for the file names below it.
 */
function parseS3Url(value, input) {
    const allowed = 's3://bucket or s3://bucket/prefix (a bucket name of 3-63 lowercase letters, digits, "." and "-"; a prefix of /-separated names, none empty, "." or "..")';
    if (!isS3Url(value))
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(input, `${(0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_1__/* .quote */ .hD)(value)} is not an S3 URL; expected ${allowed}`);
    const rest = value.slice(S3_SCHEME.length).replace(/\/+$/, '');
    const slash = rest.indexOf('/');
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    const key = slash === -1 ? '' : rest.slice(slash + 1);
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..')) {
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(input, `${(0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_1__/* .quote */ .hD)(value)}: ${(0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_1__/* .quote */ .hD)(bucket)} is not a bucket name; expected ${allowed}`);
    }
    if (/\p{Cc}/u.test(key) || Buffer.byteLength(key) > 900 || (key !== '' && key.split('/').some((part) => part === '' || part === '.' || part === '..'))) {
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(input, `${(0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_1__/* .quote */ .hD)(value)}: the prefix ${(0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_1__/* .quote */ .hD)(key)} is not allowed; expected ${allowed}, at most 900 bytes`);
    }
    return { bucket, key };
}
function formatS3Url(location) {
    return `${S3_SCHEME}${location.bucket}${location.key === '' ? '' : `/${location.key}`}`;
}
/** The object `name` (a relative `/`-separated path) below `location`. */
function below(location, name) {
    return { bucket: location.bucket, key: location.key === '' ? name : `${location.key}/${name}` };
}
/** The prefix an object lies under: `s3://b/p/manifest.json` → `s3://b/p`. */
function parentOf(location) {
    const slash = location.key.lastIndexOf('/');
    return { bucket: location.bucket, key: slash === -1 ? '' : location.key.slice(0, slash) };
}


/***/ }),

/***/ 9308:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Pj: () => (/* binding */ DATABASE_NAME_RULE),
/* harmony export */   SV: () => (/* binding */ withClient),
/* harmony export */   Ve: () => (/* binding */ targetFromInputs),
/* harmony export */   Vz: () => (/* binding */ libpqFailure),
/* harmony export */   hn: () => (/* binding */ dbnameArgument),
/* harmony export */   kR: () => (/* binding */ withDatabase),
/* harmony export */   lH: () => (/* binding */ isDatabaseName),
/* harmony export */   v4: () => (/* binding */ quoteIdent)
/* harmony export */ });
/* unused harmony export connect */
/* harmony import */ var _lib_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(1469);
/* harmony import */ var _connection_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(7426);
/* harmony import */ var _server_version_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(5306);



function targetFromInputs(db, viaUrl, prefix = '') {
    const name = (part) => `${prefix}${viaUrl ? 'database-url' : `pg-${part}`}`;
    return { db, inputs: { host: name('host'), user: name('user'), password: name('password'), database: name('database') } };
}
/** The same server, another database (scratch databases, the maintenance database). */
function withDatabase(target, database) {
    return { ...target, db: { ...target.db, database } };
}
async function connect(target, step) {
    const { default: postgres } = await __nccwpck_require__.e(/* import() */ 849).then(__nccwpck_require__.bind(__nccwpck_require__, 3849));
    const client = new postgres.Client((0,_server_version_js__WEBPACK_IMPORTED_MODULE_1__/* .pgClientConfig */ .f)(target.db));
    // A server going away mid-query surfaces through the query's promise; don't crash on 'error'.
    client.on('error', () => { });
    try {
        await client.connect();
    }
    catch (error) {
        await client.end().catch(() => { });
        throw connectionError(target, step, error);
    }
    return client;
}
async function withClient(target, step, fn) {
    const client = await connect(target, step);
    try {
        return await fn(client);
    }
    finally {
        await client.end().catch(() => { });
    }
}
/** Connection failures as an error naming the input to fix; anything else as a step error. */
function connectionError(target, step, error) {
    const where = (0,_connection_js__WEBPACK_IMPORTED_MODULE_2__/* .describeDatabase */ .DZ)(target.db);
    const e = error;
    const message = e.message ?? String(error);
    switch (e.code) {
        case '28P01':
        case '28000':
            return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(target.inputs.password, `PostgreSQL refused the login of ${where} (${message}); check the password and user`, error);
        case '3D000':
            return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(target.inputs.database, `database "${target.db.database}" does not exist on ${target.db.host}:${target.db.port}`, error);
        case 'ECONNREFUSED':
        case 'ENOTFOUND':
        case 'EAI_AGAIN':
        case 'EHOSTUNREACH':
        case 'ETIMEDOUT':
            return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(target.inputs.host, `cannot reach PostgreSQL at ${target.db.host}:${target.db.port} (${e.code})`, error);
        default:
            if (/timeout/i.test(message)) {
                return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(target.inputs.host, `no answer from PostgreSQL at ${target.db.host}:${target.db.port} (${message})`, error);
            }
            return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .stepError */ .hH)(`${step} (${where})`, message, error);
    }
}
/** libpq's words in pg_dump/pg_restore stderr, mapped the same way. */
function libpqFailure(target, stderr) {
    const where = (0,_connection_js__WEBPACK_IMPORTED_MODULE_2__/* .describeDatabase */ .DZ)(target.db);
    const line = stderr.split('\n').find((l) => /error|fatal/i.test(l))?.trim() ?? stderr.trim();
    if (/password authentication failed|no password supplied|authentication failed/i.test(stderr)) {
        return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(target.inputs.password, `PostgreSQL refused the login of ${where}: ${line}`);
    }
    if (/database ".*" does not exist/i.test(stderr)) {
        return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(target.inputs.database, `database "${target.db.database}" does not exist on ${target.db.host}:${target.db.port}`);
    }
    if (/could not connect|Connection refused|could not translate host name|timeout expired/i.test(stderr)) {
        return (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(target.inputs.host, `cannot reach PostgreSQL at ${target.db.host}:${target.db.port}: ${line}`);
    }
    return undefined;
}
/**
 * The database names this suite reads, connects to and creates: letters, digits, `_ $ . -`, at
 * most 63 bytes (NAMEDATALEN - 1, longer names are cut by the server). Stricter than what a
 * quoted identifier allows on purpose: a name also reaches libpq (pg_restore --dbname), which
 * reads a value holding `=` or a URI prefix as a whole connection string, host and all.
 */
const DATABASE_NAME_RULE = 'letters, digits, _ $ . -, at most 63 bytes';
function isDatabaseName(name) {
    return /^[\p{L}\p{N}_$.-]+$/u.test(name) && Buffer.byteLength(name) <= 63;
}
/**
 * `--dbname` for pg_restore: a conninfo string holding only `dbname`, quoted as libpq reads
 * quoted values, so the name is a name whatever it holds; host, user and password come from the
 * environment (libpqEnvironment).
 */
function dbnameArgument(name) {
    return `--dbname=dbname='${name.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}
/** Double-quoted identifier. */
function quoteIdent(name) {
    return `"${name.replace(/"/g, '""')}"`;
}


/***/ }),

/***/ 5306:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   f: () => (/* binding */ pgClientConfig),
/* harmony export */   s: () => (/* binding */ readServerVersion)
/* harmony export */ });
/* harmony import */ var _lib_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(1469);
/* harmony import */ var _connection_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(7426);


/**
 * Connection options for the `pg` client: the password stays in-process, never in argv.
 * node-postgres has no libpq-style `prefer`/`allow` (try TLS, fall back): those connect without
 * TLS, which is what libpq ends up doing against a server that offers none.
 */
function pgClientConfig(db, connectTimeoutMs = 10_000) {
    const ssl = db.sslmode === 'disable' || db.sslmode === 'allow' || db.sslmode === 'prefer'
        ? false
        : { rejectUnauthorized: db.sslmode === 'verify-ca' || db.sslmode === 'verify-full' };
    return {
        host: db.host,
        port: db.port,
        user: db.user,
        password: db.password,
        database: db.database,
        ssl,
        connectionTimeoutMillis: connectTimeoutMs,
        application_name: 'kong-upgrade-actions',
    };
}
/** `SHOW server_version`, e.g. "15.18 (Debian 15.18-0+deb12u1)" → "15.18". */
async function readServerVersion(db) {
    // Loaded on first use, so plans and actions without a database connection start faster.
    const { default: postgres } = await __nccwpck_require__.e(/* import() */ 849).then(__nccwpck_require__.bind(__nccwpck_require__, 3849));
    const client = new postgres.Client(pgClientConfig(db));
    try {
        await client.connect();
        const result = await client.query('SHOW server_version');
        const raw = result.rows[0]?.server_version ?? '';
        return raw.split(' ')[0] ?? raw;
    }
    catch (error) {
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .stepError */ .hH)(`reading the PostgreSQL version of ${(0,_connection_js__WEBPACK_IMPORTED_MODULE_1__/* .describeDatabase */ .DZ)(db)}`, error.message, error);
    }
    finally {
        await client.end().catch(() => { });
    }
}


/***/ }),

/***/ 8877:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   x: () => (/* binding */ readAdminInputs)
/* harmony export */ });
/* harmony import */ var _lib_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(1469);
/* harmony import */ var _lib_inputs_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(2307);
/* harmony import */ var _lib_log_text_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(2180);



/** The Admin API inputs; promote reads a second set (blue-admin-url …) under other names. */
function readAdminInputs(source, names = { url: 'admin-url', token: 'admin-token', workspace: 'workspace' }) {
    const token = (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .readSecret */ .n5)(source, names.token);
    // Masked line by line above; refused here, since a header value is one line.
    if (token !== undefined && (0,_lib_log_text_js__WEBPACK_IMPORTED_MODULE_2__/* .hasControl */ .aQ)(token))
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(names.token, 'holds a line break or another control character; a token is one line (it is sent as the Kong-Admin-Token header)');
    const url = (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .readHttpUrl */ .y7)(source, names.url);
    if (url === undefined) {
        if (token !== undefined)
            throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(names.url, `is required when ${names.token} is set`);
        return undefined;
    }
    return { input: names.url, url, token, workspace: (0,_lib_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .readString */ .E3)(source, names.workspace) };
}


/***/ }),

/***/ 8113:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   VG: () => (/* binding */ ENTITY_COUNTS_SHAPE),
/* harmony export */   XR: () => (/* binding */ sortCounts),
/* harmony export */   ke: () => (/* binding */ ENTITY_TABLES)
/* harmony export */ });
/* unused harmony exports WORKSPACED_TYPES, ENTERPRISE_TYPES, GLOBAL_TYPES, OPTIONAL_COLLECTIONS, GLOBAL_WORKSPACE */
/* harmony import */ var _lib_json_shape_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(3664);

const ENTITY_TABLES = [
    { table: 'workspaces', entity: 'workspaces' },
    { table: 'services', entity: 'services' },
    { table: 'routes', entity: 'routes' },
    { table: 'consumers', entity: 'consumers' },
    { table: 'plugins', entity: 'plugins' },
    { table: 'upstreams', entity: 'upstreams' },
    { table: 'targets', entity: 'targets' },
    { table: 'certificates', entity: 'certificates' },
    { table: 'snis', entity: 'snis' },
    { table: 'ca_certificates', entity: 'ca_certificates' },
    { table: 'sm_vaults', entity: 'vaults' },
    { table: 'key_sets', entity: 'key_sets' },
    { table: 'keys', entity: 'keys' },
    { table: 'filter_chains', entity: 'filter_chains' },
    { table: 'acls', entity: 'acls' },
    { table: 'basicauth_credentials', entity: 'basicauth_credentials' },
    { table: 'hmacauth_credentials', entity: 'hmacauth_credentials' },
    { table: 'jwt_secrets', entity: 'jwt_secrets' },
    { table: 'keyauth_credentials', entity: 'keyauth_credentials' },
    { table: 'oauth2_credentials', entity: 'oauth2_credentials' },
];
/** Workspaced entity types, by Admin API collection (= DAO name = the counts' entity name). */
const WORKSPACED_TYPES = (/* unused pure expression or super */ null && (['services', 'routes', 'consumers', 'plugins', 'upstreams', 'targets', 'certificates', 'snis']));
/** consumer_groups exist on Enterprise only: not among Kong/kong 3.4.2 kong/constants.lua CORE_ENTITIES (l.127), so OSS answers 404. */
const ENTERPRISE_TYPES = (/* unused pure expression or super */ null && (['consumer_groups']));
/** ca_certificates have no ws_id (core/009_200_to_210.lua leaves them global): counted once under `*`. */
const GLOBAL_TYPES = (/* unused pure expression or super */ null && (['ca_certificates']));
/**
 * Collections beyond the workspaced types, by Admin API path, with the DAO name the counts use
 * (kong/plugins/<plugin>/daos.lua, kong/db/schema/entities/*.lua). A node without the plugin or
 * the entity (vaults before 2.8, keys before 3.1) answers 404.
 */
const OPTIONAL_COLLECTIONS = [
    { path: 'key-auths', entity: 'keyauth_credentials' },
    { path: 'basic-auths', entity: 'basicauth_credentials' },
    { path: 'hmac-auths', entity: 'hmacauth_credentials' },
    { path: 'jwts', entity: 'jwt_secrets' },
    { path: 'acls', entity: 'acls' },
    { path: 'oauth2', entity: 'oauth2_credentials' },
    { path: 'vaults', entity: 'vaults' },
    { path: 'key-sets', entity: 'key_sets' },
    { path: 'keys', entity: 'keys' },
];
/** The counts' key for entities that belong to no workspace. */
const GLOBAL_WORKSPACE = '*';
/** EntityCounts as every contract that carries counts checks them (manifest, export, smoke report). */
const ENTITY_COUNTS_SHAPE = (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_0__/* .recordOf */ .zv)(/^\S{1,256}$/, (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_0__/* .recordOf */ .zv)(/^[a-z0-9_]{1,64}$/, (0,_lib_json_shape_js__WEBPACK_IMPORTED_MODULE_0__/* .wholeNumber */ .rD)(0)));
/**
 * Workspaces, then entities within each, in code-unit order (the same on every machine, whatever
 * its locale): the same counts serialise to the same bytes.
 */
function sortCounts(counts) {
    const sorted = {};
    for (const ws of Object.keys(counts).sort()) {
        const inner = {};
        for (const entity of Object.keys(counts[ws]).sort())
            inner[entity] = counts[ws][entity];
        sorted[ws] = inner;
    }
    return sorted;
}


/***/ }),

/***/ 1469:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Xu: () => (/* binding */ inputError),
/* harmony export */   fy: () => (/* binding */ UpgradeError),
/* harmony export */   gJ: () => (/* binding */ errorMessage),
/* harmony export */   hH: () => (/* binding */ stepError),
/* harmony export */   p2: () => (/* binding */ httpError)
/* harmony export */ });
class UpgradeError extends Error {
    origin;
    /** The HTTP status a server answered when that answer is the failure: callers tell a 404 from the rest by it, never by the text. */
    httpStatus;
    constructor(origin, detail, options) {
        super(`${describeOrigin(origin)}: ${detail}`, options?.cause === undefined ? undefined : { cause: options.cause });
        this.name = 'UpgradeError';
        this.origin = origin;
        this.httpStatus = options?.httpStatus;
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
/** A step that failed because a server answered `status`. */
function httpError(step, status, detail) {
    return new UpgradeError({ step }, detail, { httpStatus: status });
}
/** One line for the user: our own errors as they are, anything else with its type kept. */
function errorMessage(error) {
    if (error instanceof UpgradeError)
        return error.message;
    if (error instanceof Error)
        return `unexpected ${error.name}: ${error.message}`;
    return `unexpected failure: ${String(error)}`;
}


/***/ }),

/***/ 342:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  N: () => (/* binding */ execCommand)
});

// EXTERNAL MODULE: external "string_decoder"
var external_string_decoder_ = __nccwpck_require__(3193);
;// CONCATENATED MODULE: external "os"
const external_os_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("os");
// EXTERNAL MODULE: external "events"
var external_events_ = __nccwpck_require__(4434);
;// CONCATENATED MODULE: external "child_process"
const external_child_process_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("child_process");
// EXTERNAL MODULE: external "path"
var external_path_ = __nccwpck_require__(6928);
;// CONCATENATED MODULE: external "assert"
const external_assert_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("assert");
// EXTERNAL MODULE: external "fs"
var external_fs_ = __nccwpck_require__(9896);
;// CONCATENATED MODULE: ./node_modules/@actions/io/lib/io-util.js
var __awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};


const { chmod, copyFile, lstat, mkdir, open: io_util_open, readdir, rename, rm, rmdir, stat, symlink, unlink } = external_fs_.promises;
// export const {open} = 'fs'
const IS_WINDOWS = process.platform === 'win32';
/**
 * Custom implementation of readlink to ensure Windows junctions
 * maintain trailing backslash for backward compatibility with Node.js < 24
 *
 * In Node.js 20, Windows junctions (directory symlinks) always returned paths
 * with trailing backslashes. Node.js 24 removed this behavior, which breaks
 * code that relied on this format for path operations.
 *
 * This implementation restores the Node 20 behavior by adding a trailing
 * backslash to all junction results on Windows.
 */
function readlink(fsPath) {
    return __awaiter(this, void 0, void 0, function* () {
        const result = yield fs.promises.readlink(fsPath);
        // On Windows, restore Node 20 behavior: add trailing backslash to all results
        // since junctions on Windows are always directory links
        if (IS_WINDOWS && !result.endsWith('\\')) {
            return `${result}\\`;
        }
        return result;
    });
}
// See https://github.com/nodejs/node/blob/d0153aee367422d0858105abec186da4dff0a0c5/deps/uv/include/uv/win.h#L691
const UV_FS_O_EXLOCK = 0x10000000;
const READONLY = external_fs_.constants.O_RDONLY;
function exists(fsPath) {
    return __awaiter(this, void 0, void 0, function* () {
        try {
            yield stat(fsPath);
        }
        catch (err) {
            if (err.code === 'ENOENT') {
                return false;
            }
            throw err;
        }
        return true;
    });
}
function isDirectory(fsPath_1) {
    return __awaiter(this, arguments, void 0, function* (fsPath, useStat = false) {
        const stats = useStat ? yield stat(fsPath) : yield lstat(fsPath);
        return stats.isDirectory();
    });
}
/**
 * On OSX/Linux, true if path starts with '/'. On Windows, true for paths like:
 * \, \hello, \\hello\share, C:, and C:\hello (and corresponding alternate separator cases).
 */
function isRooted(p) {
    p = normalizeSeparators(p);
    if (!p) {
        throw new Error('isRooted() parameter "p" cannot be empty');
    }
    if (IS_WINDOWS) {
        return (p.startsWith('\\') || /^[A-Z]:/i.test(p) // e.g. \ or \hello or \\hello
        ); // e.g. C: or C:\hello
    }
    return p.startsWith('/');
}
/**
 * Best effort attempt to determine whether a file exists and is executable.
 * @param filePath    file path to check
 * @param extensions  additional file extensions to try
 * @return if file exists and is executable, returns the file path. otherwise empty string.
 */
function tryGetExecutablePath(filePath, extensions) {
    return __awaiter(this, void 0, void 0, function* () {
        let stats = undefined;
        try {
            // test file exists
            stats = yield stat(filePath);
        }
        catch (err) {
            if (err.code !== 'ENOENT') {
                // eslint-disable-next-line no-console
                console.log(`Unexpected error attempting to determine if executable file exists '${filePath}': ${err}`);
            }
        }
        if (stats && stats.isFile()) {
            if (IS_WINDOWS) {
                // on Windows, test for valid extension
                const upperExt = external_path_.extname(filePath).toUpperCase();
                if (extensions.some(validExt => validExt.toUpperCase() === upperExt)) {
                    return filePath;
                }
            }
            else {
                if (isUnixExecutable(stats)) {
                    return filePath;
                }
            }
        }
        // try each extension
        const originalFilePath = filePath;
        for (const extension of extensions) {
            filePath = originalFilePath + extension;
            stats = undefined;
            try {
                stats = yield stat(filePath);
            }
            catch (err) {
                if (err.code !== 'ENOENT') {
                    // eslint-disable-next-line no-console
                    console.log(`Unexpected error attempting to determine if executable file exists '${filePath}': ${err}`);
                }
            }
            if (stats && stats.isFile()) {
                if (IS_WINDOWS) {
                    // preserve the case of the actual file (since an extension was appended)
                    try {
                        const directory = external_path_.dirname(filePath);
                        const upperName = external_path_.basename(filePath).toUpperCase();
                        for (const actualName of yield readdir(directory)) {
                            if (upperName === actualName.toUpperCase()) {
                                filePath = external_path_.join(directory, actualName);
                                break;
                            }
                        }
                    }
                    catch (err) {
                        // eslint-disable-next-line no-console
                        console.log(`Unexpected error attempting to determine the actual case of the file '${filePath}': ${err}`);
                    }
                    return filePath;
                }
                else {
                    if (isUnixExecutable(stats)) {
                        return filePath;
                    }
                }
            }
        }
        return '';
    });
}
function normalizeSeparators(p) {
    p = p || '';
    if (IS_WINDOWS) {
        // convert slashes on Windows
        p = p.replace(/\//g, '\\');
        // remove redundant slashes
        return p.replace(/\\\\+/g, '\\');
    }
    // remove redundant slashes
    return p.replace(/\/\/+/g, '/');
}
// on Mac/Linux, test the execute bit
//     R   W  X  R  W X R W X
//   256 128 64 32 16 8 4 2 1
function isUnixExecutable(stats) {
    return ((stats.mode & 1) > 0 ||
        ((stats.mode & 8) > 0 &&
            process.getgid !== undefined &&
            stats.gid === process.getgid()) ||
        ((stats.mode & 64) > 0 &&
            process.getuid !== undefined &&
            stats.uid === process.getuid()));
}
// Get the path of cmd.exe in windows
function getCmdPath() {
    var _a;
    return (_a = process.env['COMSPEC']) !== null && _a !== void 0 ? _a : `cmd.exe`;
}
//# sourceMappingURL=io-util.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/io/lib/io.js
var io_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};



/**
 * Copies a file or folder.
 * Based off of shelljs - https://github.com/shelljs/shelljs/blob/9237f66c52e5daa40458f94f9565e18e8132f5a6/src/cp.js
 *
 * @param     source    source path
 * @param     dest      destination path
 * @param     options   optional. See CopyOptions.
 */
function cp(source_1, dest_1) {
    return io_awaiter(this, arguments, void 0, function* (source, dest, options = {}) {
        const { force, recursive, copySourceDirectory } = readCopyOptions(options);
        const destStat = (yield ioUtil.exists(dest)) ? yield ioUtil.stat(dest) : null;
        // Dest is an existing file, but not forcing
        if (destStat && destStat.isFile() && !force) {
            return;
        }
        // If dest is an existing directory, should copy inside.
        const newDest = destStat && destStat.isDirectory() && copySourceDirectory
            ? path.join(dest, path.basename(source))
            : dest;
        if (!(yield ioUtil.exists(source))) {
            throw new Error(`no such file or directory: ${source}`);
        }
        const sourceStat = yield ioUtil.stat(source);
        if (sourceStat.isDirectory()) {
            if (!recursive) {
                throw new Error(`Failed to copy. ${source} is a directory, but tried to copy without recursive flag.`);
            }
            else {
                yield cpDirRecursive(source, newDest, 0, force);
            }
        }
        else {
            if (path.relative(source, newDest) === '') {
                // a file cannot be copied to itself
                throw new Error(`'${newDest}' and '${source}' are the same file`);
            }
            yield io_copyFile(source, newDest, force);
        }
    });
}
/**
 * Moves a path.
 *
 * @param     source    source path
 * @param     dest      destination path
 * @param     options   optional. See MoveOptions.
 */
function mv(source_1, dest_1) {
    return io_awaiter(this, arguments, void 0, function* (source, dest, options = {}) {
        if (yield ioUtil.exists(dest)) {
            let destExists = true;
            if (yield ioUtil.isDirectory(dest)) {
                // If dest is directory copy src into dest
                dest = path.join(dest, path.basename(source));
                destExists = yield ioUtil.exists(dest);
            }
            if (destExists) {
                if (options.force == null || options.force) {
                    yield rmRF(dest);
                }
                else {
                    throw new Error('Destination already exists');
                }
            }
        }
        yield mkdirP(path.dirname(dest));
        yield ioUtil.rename(source, dest);
    });
}
/**
 * Remove a path recursively with force
 *
 * @param inputPath path to remove
 */
function rmRF(inputPath) {
    return io_awaiter(this, void 0, void 0, function* () {
        if (ioUtil.IS_WINDOWS) {
            // Check for invalid characters
            // https://docs.microsoft.com/en-us/windows/win32/fileio/naming-a-file
            if (/[*"<>|]/.test(inputPath)) {
                throw new Error('File path must not contain `*`, `"`, `<`, `>` or `|` on Windows');
            }
        }
        try {
            // note if path does not exist, error is silent
            yield ioUtil.rm(inputPath, {
                force: true,
                maxRetries: 3,
                recursive: true,
                retryDelay: 300
            });
        }
        catch (err) {
            throw new Error(`File was unable to be removed ${err}`);
        }
    });
}
/**
 * Make a directory.  Creates the full path with folders in between
 * Will throw if it fails
 *
 * @param   fsPath        path to create
 * @returns Promise<void>
 */
function mkdirP(fsPath) {
    return io_awaiter(this, void 0, void 0, function* () {
        ok(fsPath, 'a path argument must be provided');
        yield ioUtil.mkdir(fsPath, { recursive: true });
    });
}
/**
 * Returns path of a tool had the tool actually been invoked.  Resolves via paths.
 * If you check and the tool does not exist, it will throw.
 *
 * @param     tool              name of the tool
 * @param     check             whether to check if tool exists
 * @returns   Promise<string>   path to tool
 */
function which(tool, check) {
    return io_awaiter(this, void 0, void 0, function* () {
        if (!tool) {
            throw new Error("parameter 'tool' is required");
        }
        // recursive when check=true
        if (check) {
            const result = yield which(tool, false);
            if (!result) {
                if (IS_WINDOWS) {
                    throw new Error(`Unable to locate executable file: ${tool}. Please verify either the file path exists or the file can be found within a directory specified by the PATH environment variable. Also verify the file has a valid extension for an executable file.`);
                }
                else {
                    throw new Error(`Unable to locate executable file: ${tool}. Please verify either the file path exists or the file can be found within a directory specified by the PATH environment variable. Also check the file mode to verify the file is executable.`);
                }
            }
            return result;
        }
        const matches = yield findInPath(tool);
        if (matches && matches.length > 0) {
            return matches[0];
        }
        return '';
    });
}
/**
 * Returns a list of all occurrences of the given tool on the system path.
 *
 * @returns   Promise<string[]>  the paths of the tool
 */
function findInPath(tool) {
    return io_awaiter(this, void 0, void 0, function* () {
        if (!tool) {
            throw new Error("parameter 'tool' is required");
        }
        // build the list of extensions to try
        const extensions = [];
        if (IS_WINDOWS && process.env['PATHEXT']) {
            for (const extension of process.env['PATHEXT'].split(external_path_.delimiter)) {
                if (extension) {
                    extensions.push(extension);
                }
            }
        }
        // if it's rooted, return it if exists. otherwise return empty.
        if (isRooted(tool)) {
            const filePath = yield tryGetExecutablePath(tool, extensions);
            if (filePath) {
                return [filePath];
            }
            return [];
        }
        // if any path separators, return empty
        if (tool.includes(external_path_.sep)) {
            return [];
        }
        // build the list of directories
        //
        // Note, technically "where" checks the current directory on Windows. From a toolkit perspective,
        // it feels like we should not do this. Checking the current directory seems like more of a use
        // case of a shell, and the which() function exposed by the toolkit should strive for consistency
        // across platforms.
        const directories = [];
        if (process.env.PATH) {
            for (const p of process.env.PATH.split(external_path_.delimiter)) {
                if (p) {
                    directories.push(p);
                }
            }
        }
        // find all matches
        const matches = [];
        for (const directory of directories) {
            const filePath = yield tryGetExecutablePath(external_path_.join(directory, tool), extensions);
            if (filePath) {
                matches.push(filePath);
            }
        }
        return matches;
    });
}
function readCopyOptions(options) {
    const force = options.force == null ? true : options.force;
    const recursive = Boolean(options.recursive);
    const copySourceDirectory = options.copySourceDirectory == null
        ? true
        : Boolean(options.copySourceDirectory);
    return { force, recursive, copySourceDirectory };
}
function cpDirRecursive(sourceDir, destDir, currentDepth, force) {
    return io_awaiter(this, void 0, void 0, function* () {
        // Ensure there is not a run away recursive copy
        if (currentDepth >= 255)
            return;
        currentDepth++;
        yield mkdirP(destDir);
        const files = yield ioUtil.readdir(sourceDir);
        for (const fileName of files) {
            const srcFile = `${sourceDir}/${fileName}`;
            const destFile = `${destDir}/${fileName}`;
            const srcFileStat = yield ioUtil.lstat(srcFile);
            if (srcFileStat.isDirectory()) {
                // Recurse
                yield cpDirRecursive(srcFile, destFile, currentDepth, force);
            }
            else {
                yield io_copyFile(srcFile, destFile, force);
            }
        }
        // Change the mode for the newly created directory
        yield ioUtil.chmod(destDir, (yield ioUtil.stat(sourceDir)).mode);
    });
}
// Buffered file copy
function io_copyFile(srcFile, destFile, force) {
    return io_awaiter(this, void 0, void 0, function* () {
        if ((yield ioUtil.lstat(srcFile)).isSymbolicLink()) {
            // unlink/re-link it
            try {
                yield ioUtil.lstat(destFile);
                yield ioUtil.unlink(destFile);
            }
            catch (e) {
                // Try to override file permission
                if (e.code === 'EPERM') {
                    yield ioUtil.chmod(destFile, '0666');
                    yield ioUtil.unlink(destFile);
                }
                // other errors = it doesn't exist, no work to do
            }
            // Copy over symlink
            const symlinkFull = yield ioUtil.readlink(srcFile);
            yield ioUtil.symlink(symlinkFull, destFile, ioUtil.IS_WINDOWS ? 'junction' : null);
        }
        else if (!(yield ioUtil.exists(destFile)) || force) {
            yield ioUtil.copyFile(srcFile, destFile);
        }
    });
}
//# sourceMappingURL=io.js.map
;// CONCATENATED MODULE: external "timers"
const external_timers_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("timers");
;// CONCATENATED MODULE: ./node_modules/@actions/exec/lib/toolrunner.js
var toolrunner_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};







/* eslint-disable @typescript-eslint/unbound-method */
const toolrunner_IS_WINDOWS = process.platform === 'win32';
/*
 * Class for running command line tools. Handles quoting and arg parsing in a platform agnostic way.
 */
class ToolRunner extends external_events_.EventEmitter {
    constructor(toolPath, args, options) {
        super();
        if (!toolPath) {
            throw new Error("Parameter 'toolPath' cannot be null or empty.");
        }
        this.toolPath = toolPath;
        this.args = args || [];
        this.options = options || {};
    }
    _debug(message) {
        if (this.options.listeners && this.options.listeners.debug) {
            this.options.listeners.debug(message);
        }
    }
    _getCommandString(options, noPrefix) {
        const toolPath = this._getSpawnFileName();
        const args = this._getSpawnArgs(options);
        let cmd = noPrefix ? '' : '[command]'; // omit prefix when piped to a second tool
        if (toolrunner_IS_WINDOWS) {
            // Windows + cmd file
            if (this._isCmdFile()) {
                cmd += toolPath;
                for (const a of args) {
                    cmd += ` ${a}`;
                }
            }
            // Windows + verbatim
            else if (options.windowsVerbatimArguments) {
                cmd += `"${toolPath}"`;
                for (const a of args) {
                    cmd += ` ${a}`;
                }
            }
            // Windows (regular)
            else {
                cmd += this._windowsQuoteCmdArg(toolPath);
                for (const a of args) {
                    cmd += ` ${this._windowsQuoteCmdArg(a)}`;
                }
            }
        }
        else {
            // OSX/Linux - this can likely be improved with some form of quoting.
            // creating processes on Unix is fundamentally different than Windows.
            // on Unix, execvp() takes an arg array.
            cmd += toolPath;
            for (const a of args) {
                cmd += ` ${a}`;
            }
        }
        return cmd;
    }
    _processLineBuffer(data, strBuffer, onLine) {
        try {
            let s = strBuffer + data.toString();
            let n = s.indexOf(external_os_namespaceObject.EOL);
            while (n > -1) {
                const line = s.substring(0, n);
                onLine(line);
                // the rest of the string ...
                s = s.substring(n + external_os_namespaceObject.EOL.length);
                n = s.indexOf(external_os_namespaceObject.EOL);
            }
            return s;
        }
        catch (err) {
            // streaming lines to console is best effort.  Don't fail a build.
            this._debug(`error processing line. Failed with error ${err}`);
            return '';
        }
    }
    _getSpawnFileName() {
        if (toolrunner_IS_WINDOWS) {
            if (this._isCmdFile()) {
                return process.env['COMSPEC'] || 'cmd.exe';
            }
        }
        return this.toolPath;
    }
    _getSpawnArgs(options) {
        if (toolrunner_IS_WINDOWS) {
            if (this._isCmdFile()) {
                let argline = `/D /S /C "${this._windowsQuoteCmdArg(this.toolPath)}`;
                for (const a of this.args) {
                    argline += ' ';
                    argline += options.windowsVerbatimArguments
                        ? a
                        : this._windowsQuoteCmdArg(a);
                }
                argline += '"';
                return [argline];
            }
        }
        return this.args;
    }
    _endsWith(str, end) {
        return str.endsWith(end);
    }
    _isCmdFile() {
        const upperToolPath = this.toolPath.toUpperCase();
        return (this._endsWith(upperToolPath, '.CMD') ||
            this._endsWith(upperToolPath, '.BAT'));
    }
    _windowsQuoteCmdArg(arg) {
        // for .exe, apply the normal quoting rules that libuv applies
        if (!this._isCmdFile()) {
            return this._uvQuoteCmdArg(arg);
        }
        // otherwise apply quoting rules specific to the cmd.exe command line parser.
        // the libuv rules are generic and are not designed specifically for cmd.exe
        // command line parser.
        //
        // for a detailed description of the cmd.exe command line parser, refer to
        // http://stackoverflow.com/questions/4094699/how-does-the-windows-command-interpreter-cmd-exe-parse-scripts/7970912#7970912
        // need quotes for empty arg
        if (!arg) {
            return '""';
        }
        // determine whether the arg needs to be quoted
        const cmdSpecialChars = [
            ' ',
            '\t',
            '&',
            '(',
            ')',
            '[',
            ']',
            '{',
            '}',
            '^',
            '=',
            ';',
            '!',
            "'",
            '+',
            ',',
            '`',
            '~',
            '|',
            '<',
            '>',
            '"'
        ];
        let needsQuotes = false;
        for (const char of arg) {
            if (cmdSpecialChars.some(x => x === char)) {
                needsQuotes = true;
                break;
            }
        }
        // short-circuit if quotes not needed
        if (!needsQuotes) {
            return arg;
        }
        // the following quoting rules are very similar to the rules that by libuv applies.
        //
        // 1) wrap the string in quotes
        //
        // 2) double-up quotes - i.e. " => ""
        //
        //    this is different from the libuv quoting rules. libuv replaces " with \", which unfortunately
        //    doesn't work well with a cmd.exe command line.
        //
        //    note, replacing " with "" also works well if the arg is passed to a downstream .NET console app.
        //    for example, the command line:
        //          foo.exe "myarg:""my val"""
        //    is parsed by a .NET console app into an arg array:
        //          [ "myarg:\"my val\"" ]
        //    which is the same end result when applying libuv quoting rules. although the actual
        //    command line from libuv quoting rules would look like:
        //          foo.exe "myarg:\"my val\""
        //
        // 3) double-up slashes that precede a quote,
        //    e.g.  hello \world    => "hello \world"
        //          hello\"world    => "hello\\""world"
        //          hello\\"world   => "hello\\\\""world"
        //          hello world\    => "hello world\\"
        //
        //    technically this is not required for a cmd.exe command line, or the batch argument parser.
        //    the reasons for including this as a .cmd quoting rule are:
        //
        //    a) this is optimized for the scenario where the argument is passed from the .cmd file to an
        //       external program. many programs (e.g. .NET console apps) rely on the slash-doubling rule.
        //
        //    b) it's what we've been doing previously (by deferring to node default behavior) and we
        //       haven't heard any complaints about that aspect.
        //
        // note, a weakness of the quoting rules chosen here, is that % is not escaped. in fact, % cannot be
        // escaped when used on the command line directly - even though within a .cmd file % can be escaped
        // by using %%.
        //
        // the saving grace is, on the command line, %var% is left as-is if var is not defined. this contrasts
        // the line parsing rules within a .cmd file, where if var is not defined it is replaced with nothing.
        //
        // one option that was explored was replacing % with ^% - i.e. %var% => ^%var^%. this hack would
        // often work, since it is unlikely that var^ would exist, and the ^ character is removed when the
        // variable is used. the problem, however, is that ^ is not removed when %* is used to pass the args
        // to an external program.
        //
        // an unexplored potential solution for the % escaping problem, is to create a wrapper .cmd file.
        // % can be escaped within a .cmd file.
        let reverse = '"';
        let quoteHit = true;
        for (let i = arg.length; i > 0; i--) {
            // walk the string in reverse
            reverse += arg[i - 1];
            if (quoteHit && arg[i - 1] === '\\') {
                reverse += '\\'; // double the slash
            }
            else if (arg[i - 1] === '"') {
                quoteHit = true;
                reverse += '"'; // double the quote
            }
            else {
                quoteHit = false;
            }
        }
        reverse += '"';
        return reverse.split('').reverse().join('');
    }
    _uvQuoteCmdArg(arg) {
        // Tool runner wraps child_process.spawn() and needs to apply the same quoting as
        // Node in certain cases where the undocumented spawn option windowsVerbatimArguments
        // is used.
        //
        // Since this function is a port of quote_cmd_arg from Node 4.x (technically, lib UV,
        // see https://github.com/nodejs/node/blob/v4.x/deps/uv/src/win/process.c for details),
        // pasting copyright notice from Node within this function:
        //
        //      Copyright Joyent, Inc. and other Node contributors. All rights reserved.
        //
        //      Permission is hereby granted, free of charge, to any person obtaining a copy
        //      of this software and associated documentation files (the "Software"), to
        //      deal in the Software without restriction, including without limitation the
        //      rights to use, copy, modify, merge, publish, distribute, sublicense, and/or
        //      sell copies of the Software, and to permit persons to whom the Software is
        //      furnished to do so, subject to the following conditions:
        //
        //      The above copyright notice and this permission notice shall be included in
        //      all copies or substantial portions of the Software.
        //
        //      THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
        //      IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
        //      FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
        //      AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
        //      LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING
        //      FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS
        //      IN THE SOFTWARE.
        if (!arg) {
            // Need double quotation for empty argument
            return '""';
        }
        if (!arg.includes(' ') && !arg.includes('\t') && !arg.includes('"')) {
            // No quotation needed
            return arg;
        }
        if (!arg.includes('"') && !arg.includes('\\')) {
            // No embedded double quotes or backslashes, so I can just wrap
            // quote marks around the whole thing.
            return `"${arg}"`;
        }
        // Expected input/output:
        //   input : hello"world
        //   output: "hello\"world"
        //   input : hello""world
        //   output: "hello\"\"world"
        //   input : hello\world
        //   output: hello\world
        //   input : hello\\world
        //   output: hello\\world
        //   input : hello\"world
        //   output: "hello\\\"world"
        //   input : hello\\"world
        //   output: "hello\\\\\"world"
        //   input : hello world\
        //   output: "hello world\\" - note the comment in libuv actually reads "hello world\"
        //                             but it appears the comment is wrong, it should be "hello world\\"
        let reverse = '"';
        let quoteHit = true;
        for (let i = arg.length; i > 0; i--) {
            // walk the string in reverse
            reverse += arg[i - 1];
            if (quoteHit && arg[i - 1] === '\\') {
                reverse += '\\';
            }
            else if (arg[i - 1] === '"') {
                quoteHit = true;
                reverse += '\\';
            }
            else {
                quoteHit = false;
            }
        }
        reverse += '"';
        return reverse.split('').reverse().join('');
    }
    _cloneExecOptions(options) {
        options = options || {};
        const result = {
            cwd: options.cwd || process.cwd(),
            env: options.env || process.env,
            silent: options.silent || false,
            windowsVerbatimArguments: options.windowsVerbatimArguments || false,
            failOnStdErr: options.failOnStdErr || false,
            ignoreReturnCode: options.ignoreReturnCode || false,
            delay: options.delay || 10000
        };
        result.outStream = options.outStream || process.stdout;
        result.errStream = options.errStream || process.stderr;
        return result;
    }
    _getSpawnOptions(options, toolPath) {
        options = options || {};
        const result = {};
        result.cwd = options.cwd;
        result.env = options.env;
        result['windowsVerbatimArguments'] =
            options.windowsVerbatimArguments || this._isCmdFile();
        if (options.windowsVerbatimArguments) {
            result.argv0 = `"${toolPath}"`;
        }
        return result;
    }
    /**
     * Exec a tool.
     * Output will be streamed to the live console.
     * Returns promise with return code
     *
     * @param     tool     path to tool to exec
     * @param     options  optional exec options.  See ExecOptions
     * @returns   number
     */
    exec() {
        return toolrunner_awaiter(this, void 0, void 0, function* () {
            // root the tool path if it is unrooted and contains relative pathing
            if (!isRooted(this.toolPath) &&
                (this.toolPath.includes('/') ||
                    (toolrunner_IS_WINDOWS && this.toolPath.includes('\\')))) {
                // prefer options.cwd if it is specified, however options.cwd may also need to be rooted
                this.toolPath = external_path_.resolve(process.cwd(), this.options.cwd || process.cwd(), this.toolPath);
            }
            // if the tool is only a file name, then resolve it from the PATH
            // otherwise verify it exists (add extension on Windows if necessary)
            this.toolPath = yield which(this.toolPath, true);
            return new Promise((resolve, reject) => toolrunner_awaiter(this, void 0, void 0, function* () {
                this._debug(`exec tool: ${this.toolPath}`);
                this._debug('arguments:');
                for (const arg of this.args) {
                    this._debug(`   ${arg}`);
                }
                const optionsNonNull = this._cloneExecOptions(this.options);
                if (!optionsNonNull.silent && optionsNonNull.outStream) {
                    optionsNonNull.outStream.write(this._getCommandString(optionsNonNull) + external_os_namespaceObject.EOL);
                }
                const state = new ExecState(optionsNonNull, this.toolPath);
                state.on('debug', (message) => {
                    this._debug(message);
                });
                if (this.options.cwd && !(yield exists(this.options.cwd))) {
                    return reject(new Error(`The cwd: ${this.options.cwd} does not exist!`));
                }
                const fileName = this._getSpawnFileName();
                const cp = external_child_process_namespaceObject.spawn(fileName, this._getSpawnArgs(optionsNonNull), this._getSpawnOptions(this.options, fileName));
                let stdbuffer = '';
                if (cp.stdout) {
                    cp.stdout.on('data', (data) => {
                        if (this.options.listeners && this.options.listeners.stdout) {
                            this.options.listeners.stdout(data);
                        }
                        if (!optionsNonNull.silent && optionsNonNull.outStream) {
                            optionsNonNull.outStream.write(data);
                        }
                        stdbuffer = this._processLineBuffer(data, stdbuffer, (line) => {
                            if (this.options.listeners && this.options.listeners.stdline) {
                                this.options.listeners.stdline(line);
                            }
                        });
                    });
                }
                let errbuffer = '';
                if (cp.stderr) {
                    cp.stderr.on('data', (data) => {
                        state.processStderr = true;
                        if (this.options.listeners && this.options.listeners.stderr) {
                            this.options.listeners.stderr(data);
                        }
                        if (!optionsNonNull.silent &&
                            optionsNonNull.errStream &&
                            optionsNonNull.outStream) {
                            const s = optionsNonNull.failOnStdErr
                                ? optionsNonNull.errStream
                                : optionsNonNull.outStream;
                            s.write(data);
                        }
                        errbuffer = this._processLineBuffer(data, errbuffer, (line) => {
                            if (this.options.listeners && this.options.listeners.errline) {
                                this.options.listeners.errline(line);
                            }
                        });
                    });
                }
                cp.on('error', (err) => {
                    state.processError = err.message;
                    state.processExited = true;
                    state.processClosed = true;
                    state.CheckComplete();
                });
                cp.on('exit', (code) => {
                    state.processExitCode = code;
                    state.processExited = true;
                    this._debug(`Exit code ${code} received from tool '${this.toolPath}'`);
                    state.CheckComplete();
                });
                cp.on('close', (code) => {
                    state.processExitCode = code;
                    state.processExited = true;
                    state.processClosed = true;
                    this._debug(`STDIO streams have closed for tool '${this.toolPath}'`);
                    state.CheckComplete();
                });
                state.on('done', (error, exitCode) => {
                    if (stdbuffer.length > 0) {
                        this.emit('stdline', stdbuffer);
                    }
                    if (errbuffer.length > 0) {
                        this.emit('errline', errbuffer);
                    }
                    cp.removeAllListeners();
                    if (error) {
                        reject(error);
                    }
                    else {
                        resolve(exitCode);
                    }
                });
                if (this.options.input) {
                    if (!cp.stdin) {
                        throw new Error('child process missing stdin');
                    }
                    cp.stdin.end(this.options.input);
                }
            }));
        });
    }
}
/**
 * Convert an arg string to an array of args. Handles escaping
 *
 * @param    argString   string of arguments
 * @returns  string[]    array of arguments
 */
function argStringToArray(argString) {
    const args = [];
    let inQuotes = false;
    let escaped = false;
    let arg = '';
    function append(c) {
        // we only escape double quotes.
        if (escaped && c !== '"') {
            arg += '\\';
        }
        arg += c;
        escaped = false;
    }
    for (let i = 0; i < argString.length; i++) {
        const c = argString.charAt(i);
        if (c === '"') {
            if (!escaped) {
                inQuotes = !inQuotes;
            }
            else {
                append(c);
            }
            continue;
        }
        if (c === '\\' && escaped) {
            append(c);
            continue;
        }
        if (c === '\\' && inQuotes) {
            escaped = true;
            continue;
        }
        if (c === ' ' && !inQuotes) {
            if (arg.length > 0) {
                args.push(arg);
                arg = '';
            }
            continue;
        }
        append(c);
    }
    if (arg.length > 0) {
        args.push(arg.trim());
    }
    return args;
}
class ExecState extends external_events_.EventEmitter {
    constructor(options, toolPath) {
        super();
        this.processClosed = false; // tracks whether the process has exited and stdio is closed
        this.processError = '';
        this.processExitCode = 0;
        this.processExited = false; // tracks whether the process has exited
        this.processStderr = false; // tracks whether stderr was written to
        this.delay = 10000; // 10 seconds
        this.done = false;
        this.timeout = null;
        if (!toolPath) {
            throw new Error('toolPath must not be empty');
        }
        this.options = options;
        this.toolPath = toolPath;
        if (options.delay) {
            this.delay = options.delay;
        }
    }
    CheckComplete() {
        if (this.done) {
            return;
        }
        if (this.processClosed) {
            this._setResult();
        }
        else if (this.processExited) {
            this.timeout = (0,external_timers_namespaceObject.setTimeout)(ExecState.HandleTimeout, this.delay, this);
        }
    }
    _debug(message) {
        this.emit('debug', message);
    }
    _setResult() {
        // determine whether there is an error
        let error;
        if (this.processExited) {
            if (this.processError) {
                error = new Error(`There was an error when attempting to execute the process '${this.toolPath}'. This may indicate the process failed to start. Error: ${this.processError}`);
            }
            else if (this.processExitCode !== 0 && !this.options.ignoreReturnCode) {
                error = new Error(`The process '${this.toolPath}' failed with exit code ${this.processExitCode}`);
            }
            else if (this.processStderr && this.options.failOnStdErr) {
                error = new Error(`The process '${this.toolPath}' failed because one or more lines were written to the STDERR stream`);
            }
        }
        // clear the timeout
        if (this.timeout) {
            clearTimeout(this.timeout);
            this.timeout = null;
        }
        this.done = true;
        this.emit('done', error, this.processExitCode);
    }
    static HandleTimeout(state) {
        if (state.done) {
            return;
        }
        if (!state.processClosed && state.processExited) {
            const message = `The STDIO streams did not close within ${state.delay / 1000} seconds of the exit event from process '${state.toolPath}'. This may indicate a child process inherited the STDIO streams and has not yet exited.`;
            state._debug(message);
        }
        state._setResult();
    }
}
//# sourceMappingURL=toolrunner.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/exec/lib/exec.js
var exec_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};


/**
 * Exec a command.
 * Output will be streamed to the live console.
 * Returns promise with return code
 *
 * @param     commandLine        command to execute (can include additional args). Must be correctly escaped.
 * @param     args               optional arguments for tool. Escaping is handled by the lib.
 * @param     options            optional exec options.  See ExecOptions
 * @returns   Promise<number>    exit code
 */
function exec(commandLine, args, options) {
    return exec_awaiter(this, void 0, void 0, function* () {
        const commandArgs = argStringToArray(commandLine);
        if (commandArgs.length === 0) {
            throw new Error(`Parameter 'commandLine' cannot be null or empty.`);
        }
        // Path to tool to execute should be first arg
        const toolPath = commandArgs[0];
        args = commandArgs.slice(1).concat(args || []);
        const runner = new ToolRunner(toolPath, args, options);
        return runner.exec();
    });
}
/**
 * Exec a command and get the output.
 * Output will be streamed to the live console.
 * Returns promise with the exit code and collected stdout and stderr
 *
 * @param     commandLine           command to execute (can include additional args). Must be correctly escaped.
 * @param     args                  optional arguments for tool. Escaping is handled by the lib.
 * @param     options               optional exec options.  See ExecOptions
 * @returns   Promise<ExecOutput>   exit code, stdout, and stderr
 */
function getExecOutput(commandLine, args, options) {
    return exec_awaiter(this, void 0, void 0, function* () {
        var _a, _b;
        let stdout = '';
        let stderr = '';
        //Using string decoder covers the case where a mult-byte character is split
        const stdoutDecoder = new external_string_decoder_.StringDecoder('utf8');
        const stderrDecoder = new external_string_decoder_.StringDecoder('utf8');
        const originalStdoutListener = (_a = options === null || options === void 0 ? void 0 : options.listeners) === null || _a === void 0 ? void 0 : _a.stdout;
        const originalStdErrListener = (_b = options === null || options === void 0 ? void 0 : options.listeners) === null || _b === void 0 ? void 0 : _b.stderr;
        const stdErrListener = (data) => {
            stderr += stderrDecoder.write(data);
            if (originalStdErrListener) {
                originalStdErrListener(data);
            }
        };
        const stdOutListener = (data) => {
            stdout += stdoutDecoder.write(data);
            if (originalStdoutListener) {
                originalStdoutListener(data);
            }
        };
        const listeners = Object.assign(Object.assign({}, options === null || options === void 0 ? void 0 : options.listeners), { stdout: stdOutListener, stderr: stdErrListener });
        const exitCode = yield exec(commandLine, args, Object.assign(Object.assign({}, options), { listeners }));
        //flush any remaining characters
        stdout += stdoutDecoder.end();
        stderr += stderrDecoder.end();
        return {
            exitCode,
            stdout,
            stderr
        };
    });
}
//# sourceMappingURL=exec.js.map
// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __nccwpck_require__(1421);
// EXTERNAL MODULE: ./build/lib/errors.js
var errors = __nccwpck_require__(1469);
;// CONCATENATED MODULE: ./build/lib/exec.js



async function execCommand(request) {
    refuseNul(request);
    const env = {};
    for (const [key, value] of Object.entries(process.env))
        if (value !== undefined)
            env[key] = value;
    Object.assign(env, request.env);
    // Long-running tools (pg_dump, pg_restore) need to be stoppable and to report how they ended,
    // which @actions/exec does not expose: those go through node's spawn with the same contract.
    if (request.signal !== undefined || request.timeoutMs !== undefined || request.onSpawn !== undefined || request.onStdout !== undefined || request.stdinStream !== undefined || request.onStdin !== undefined || request.stdoutTo !== undefined) {
        return spawnCommand(request, env);
    }
    try {
        const result = await getExecOutput(request.command, [...request.args], {
            env,
            cwd: request.cwd,
            input: request.stdin === undefined ? undefined : Buffer.from(request.stdin),
            silent: true,
            ignoreReturnCode: true,
            listeners: request.onLine && lineListeners(request.onLine),
        });
        // @actions/exec resolves a process killed by a signal with exit code null (typed number) and
        // no signal: never report that as success. Callers that must know the signal pass `signal`.
        return { exitCode: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr };
    }
    catch (error) {
        throw (0,errors/* stepError */.hH)(`running ${request.command}`, error.message, error);
    }
}
/**
 * Node refuses a NUL byte in a child's argv or environment with a TypeError whose message quotes
 * the value (a password in PGPASSWORD, say), thrown where @actions/exec can't catch it. Caught
 * here first, naming the argument or variable but never its value.
 */
function refuseNul(request) {
    const where = [
        ...request.args.map((arg, i) => [`argument ${i + 1}`, arg]),
        ...Object.entries(request.env ?? {}).map(([name, value]) => [`environment variable ${name}`, value]),
    ].find(([, value]) => value.includes('\0'));
    if (where !== undefined)
        throw (0,errors/* stepError */.hH)(`running ${request.command}`, `${where[0]} holds a NUL byte, which no process can be given`);
}
function lineListeners(onLine) {
    return {
        stdline: (line) => onLine(line, 'stdout'),
        errline: (line) => onLine(line, 'stderr'),
    };
}
function spawnCommand(request, env) {
    return new Promise((resolve, reject) => {
        if (request.signal?.aborted) {
            resolve({ exitCode: 1, stdout: '', stderr: 'aborted before start', signal: 'SIGTERM', aborted: true });
            return;
        }
        const child = (0,external_node_child_process_.spawn)(request.command, [...request.args], { env, cwd: request.cwd, stdio: ['pipe', request.stdoutTo ?? 'pipe', 'pipe'] });
        request.stdoutTo?.destroy();
        let stdout = '';
        let stderr = '';
        let aborted = false;
        let killTimer;
        const stop = () => {
            if (aborted || child.exitCode !== null)
                return;
            aborted = true;
            child.kill('SIGTERM');
            killTimer = setTimeout(() => child.kill('SIGKILL'), 5_000);
            killTimer.unref();
        };
        const timer = request.timeoutMs === undefined ? undefined : setTimeout(stop, request.timeoutMs);
        request.signal?.addEventListener('abort', stop, { once: true });
        const split = (stream) => {
            let pending = '';
            return (chunk) => {
                if (stream === 'stdout')
                    stdout += chunk;
                else
                    stderr += chunk;
                if (!request.onLine)
                    return;
                pending += chunk;
                const lines = pending.split(/\r?\n/);
                pending = lines.pop() ?? '';
                for (const line of lines)
                    request.onLine(line, stream);
            };
        };
        // No stdout of ours with stdoutTo: it is the other process's pipe.
        if (child.stdout && request.onStdout)
            request.onStdout(child.stdout);
        else
            child.stdout?.setEncoding('utf8').on('data', split('stdout'));
        child.stderr.setEncoding('utf8').on('data', split('stderr'));
        child.stdin.on('error', () => { }); // a tool that exits without reading stdin
        if (request.onStdin) {
            request.onStdin(child.stdin);
        }
        else if (request.stdinStream) {
            child.stdin.write(request.stdin ?? '');
            request.stdinStream.pipe(child.stdin);
        }
        else {
            child.stdin.end(request.stdin ?? '');
        }
        child.on('spawn', () => {
            if (child.pid !== undefined)
                request.onSpawn?.(child.pid);
        });
        const cleanup = () => {
            if (timer)
                clearTimeout(timer);
            if (killTimer)
                clearTimeout(killTimer);
            request.signal?.removeEventListener('abort', stop);
        };
        child.on('error', (error) => {
            cleanup();
            reject((0,errors/* stepError */.hH)(`running ${request.command}`, error.message, error));
        });
        child.on('close', (code, signal) => {
            cleanup();
            resolve({
                exitCode: code ?? 1,
                stdout,
                stderr,
                ...(signal !== null && { signal }),
                ...(aborted && { aborted: true }),
            });
        });
    });
}


/***/ }),

/***/ 2973:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* unused harmony export syncPaths */
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(1455);

/**
 * fsync each path (files, or folders for the names they hold): what makes a backup survive a
 * crash of the machine that wrote it, before its manifest says it is complete.
 */
async function syncPaths(paths) {
    await Promise.all(paths.map(async (p) => {
        const handle = await open(p, 'r').catch((error) => {
            // Windows cannot open a folder to sync it (NTFS journals the names anyway).
            if (process.platform === 'win32' && ['EISDIR', 'EPERM'].includes(error.code ?? ''))
                return undefined;
            throw error;
        });
        if (handle === undefined)
            return;
        try {
            await handle.sync();
        }
        finally {
            await handle.close();
        }
    }));
}


/***/ }),

/***/ 2307:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   $7: () => (/* binding */ readDuration),
/* harmony export */   $l: () => (/* binding */ maskSecret),
/* harmony export */   E3: () => (/* binding */ readString),
/* harmony export */   LD: () => (/* binding */ readList),
/* harmony export */   Vf: () => (/* binding */ readBoolean),
/* harmony export */   ai: () => (/* binding */ readEnum),
/* harmony export */   n5: () => (/* binding */ readSecret),
/* harmony export */   rO: () => (/* binding */ withDefaults),
/* harmony export */   y7: () => (/* binding */ readHttpUrl),
/* harmony export */   yg: () => (/* binding */ readPositiveInteger)
/* harmony export */ });
/* unused harmony exports parseDuration, readPath */
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(1469);
/* harmony import */ var _log_text_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(2180);


/**
 * `source` with an action's defaults (its manifest's, through the generated inputs module): an
 * input left empty reads as its default, as the runner passes the default for an input `with:`
 * leaves out. So a default exists once, and an action, the CLI and promote's in-process smoke
 * gate all read the same one.
 */
function withDefaults(source, defaults) {
    return {
        get(name) {
            const value = source.get(name);
            return value.trim() === '' ? (defaults[name] ?? value) : value;
        },
        mask: (secret) => source.mask(secret),
    };
}
function readString(source, name) {
    const value = source.get(name).trim();
    return value === '' ? undefined : value;
}
const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);
function readBoolean(source, name, fallback) {
    const value = readString(source, name);
    if (value === undefined)
        return fallback;
    const lower = value.toLowerCase();
    if (TRUE.has(lower))
        return true;
    if (FALSE.has(lower))
        return false;
    throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(name, `"${value}" is not a boolean; use true or false`);
}
function readEnum(source, name, allowed, fallback) {
    const value = readString(source, name);
    if (value === undefined)
        return fallback;
    if (allowed.includes(value))
        return value;
    throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(name, `"${value}" is not one of ${allowed.join(', ')}`);
}
/** Newline- or comma-separated, trimmed, empties dropped. */
function readList(source, name) {
    return parseList(source.get(name));
}
function parseList(text) {
    return text
        .split(/[\n,]/)
        .map((item) => item.trim())
        .filter((item) => item !== '');
}
const DURATION_UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** Durations as `500ms`, `30s`, `5m`, `1h`, or combined `1m30s`; returns milliseconds. */
function parseDuration(text, name) {
    const trimmed = text.trim();
    const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
    if (trimmed === '' || parts.map((p) => p[0]).join('') !== trimmed) {
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(name, `"${text}" is not a duration; use forms like 30s, 5m, 1h or 1m30s`);
    }
    return parts.reduce((total, [, amount, unit]) => total + Number(amount) * DURATION_UNITS[unit], 0);
}
function readDuration(source, name, fallback) {
    return parseDuration(readString(source, name) ?? fallback, name);
}
function readPositiveInteger(source, name, fallback) {
    const value = readString(source, name);
    if (value === undefined)
        return fallback;
    if (!/^\d+$/.test(value) || Number(value) < 1) {
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(name, `"${value}" is not a positive whole number`);
    }
    return Number(value);
}
/** A secret input: masked before it is returned, so nothing later can print it. */
function readSecret(source, name) {
    const value = readString(source, name);
    if (value !== undefined)
        maskSecret(source, value);
    return value;
}
/**
 * Masks a secret, and each line of a multi-line one on its own: the runner masks within one
 * log line, so a value with a line break is only hidden line by line. Lines under 4 characters
 * are left: masking `=` or `--` would blank them in every log line.
 */
function maskSecret(source, secret) {
    source.mask(secret);
    for (const line of secret.split(/\r\n|\r|\n/)) {
        const trimmed = line.trim();
        if (trimmed !== secret && trimmed.length >= 4)
            source.mask(trimmed);
    }
}
/**
 * A path input: one line (a line break would split every log line that shows it), at most
 * PATH_MAX (4096) bytes with names of at most NAME_MAX (255), checked before any file call,
 * which would fail with an ENAMETOOLONG that names no input.
 */
function readPath(source, name) {
    const value = readString(source, name);
    if (value === undefined)
        return undefined;
    if (hasControl(value))
        throw inputError(name, 'holds a line break or another control character; give one line');
    const allowed = 'expected a path of at most 4096 bytes, each name at most 255';
    if (Buffer.byteLength(value) > 4096)
        throw inputError(name, `is ${Buffer.byteLength(value)} bytes long; ${allowed}`);
    const long = value.split('/').find((part) => Buffer.byteLength(part) > 255);
    if (long !== undefined)
        throw inputError(name, `has a name of ${Buffer.byteLength(long)} bytes (${JSON.stringify(`${long.slice(0, 40)}…`)}); ${allowed}`);
    return value;
}
/**
 * An http:// or https:// URL, trailing slashes dropped so paths can be appended. Credentials in
 * it (`user:pass@`) are masked and refused: fetch will not send a URL that holds them, and a URL
 * is shown in logs, summaries and reports. The URL parser drops tabs and line breaks, so those
 * are refused before it sees them.
 */
function readHttpUrl(source, name) {
    const value = readString(source, name);
    if (value === undefined)
        return undefined;
    if ((0,_log_text_js__WEBPACK_IMPORTED_MODULE_1__/* .hasControl */ .aQ)(value))
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(name, 'holds a line break or another control character; a URL is one line');
    let url;
    try {
        url = new URL(value);
    }
    catch {
        // An `@` may end credentials: the value is not repeated then.
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(name, `${value.includes('@') ? 'is' : `"${value}" is`} not a URL; expected e.g. http://127.0.0.1:8001`);
    }
    if (url.username !== '' || url.password !== '') {
        for (const part of [url.username, url.password]) {
            if (part === '')
                continue;
            source.mask(part);
            source.mask(safeDecode(part));
        }
        const shown = new URL(url.href);
        shown.username = '';
        shown.password = '';
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(name, `holds credentials (user:password@); give the URL without them (${shown.href}): an Admin API token goes in its own input, sent as a header`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(name, `"${value}" must be http:// or https://`);
    return value.replace(/\/+$/, '');
}
function safeDecode(text) {
    try {
        return decodeURIComponent(text);
    }
    catch {
        return text;
    }
}


/***/ }),

/***/ 3664:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Ik: () => (/* binding */ object),
/* harmony export */   Jz: () => (/* binding */ readContract),
/* harmony export */   Qq: () => (/* binding */ text),
/* harmony export */   c3: () => (/* binding */ listOf),
/* harmony export */   g$: () => (/* binding */ printable),
/* harmony export */   hD: () => (/* binding */ quote),
/* harmony export */   me: () => (/* binding */ nullable),
/* harmony export */   nb: () => (/* binding */ checkContract),
/* harmony export */   rD: () => (/* binding */ wholeNumber),
/* harmony export */   wC: () => (/* binding */ matching),
/* harmony export */   yL: () => (/* binding */ oneOf),
/* harmony export */   zv: () => (/* binding */ recordOf)
/* harmony export */ });
/* unused harmony exports boolean, optional */
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(1455);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(1469);


/** The JSON in `file`; a missing file or bad JSON names `input`. */
async function readJsonFile(file, input) {
    let text;
    try {
        text = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.readFile)(file, 'utf8');
    }
    catch (error) {
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)(input, `cannot read ${quote(file)}: ${error.code ?? error.message}`, error);
    }
    try {
        return JSON.parse(text);
    }
    catch (error) {
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)(input, `${file} is not JSON`, error);
    }
}
/**
 * `data` checked against the contract its `schema` names, one of `contracts`: the error names
 * `input`, the file, and every wrong field (the first ten).
 */
function checkContract(data, file, input, contracts) {
    const names = contracts.map((c) => c.name).join(' or ');
    if (!isPlainObject(data))
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)(input, `${file} is not a ${names}: it is ${kind(data)}, expected an object`);
    const contract = contracts.find((c) => c.schema === data.schema);
    if (contract === undefined) {
        if (contracts.length === 1)
            throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)(input, `${file} is not a ${names}: schema is ${quote(data.schema)}, expected "${contracts[0].schema}"`);
        const ids = contracts.map((c) => `"${c.schema}"`);
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)(input, `${file} has schema ${quote(data.schema)}; expected ${ids.slice(0, -1).join(', ')} or ${ids.at(-1)}`);
    }
    const problems = [];
    contract.shape(data, '', problems);
    if (problems.length > 0) {
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .inputError */ .Xu)(input, `${file} is not a ${contract.name}: ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? ` (and ${problems.length - 10} more)` : ''}`);
    }
    return data;
}
/** readJsonFile, then checkContract. */
async function readContract(file, input, contracts) {
    return checkContract(await readJsonFile(file, input), file, input, contracts);
}
/** A value as it may appear in an error: JSON (newlines escaped), long values cut. */
function quote(value) {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
function kind(value) {
    return Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
}
/** A string; with `test`, one it accepts (`what` says what is allowed). */
const text = (test, what) => (value, field, problems) => {
    if (typeof value !== 'string')
        problems.push(`${field} is ${kind(value)}, expected a string`);
    else if (test && !test(value))
        problems.push(`${field} ${quote(value)} is not ${what}`);
};
const matching = (pattern, what) => text((value) => pattern.test(value), what);
const wholeNumber = (min, max = Number.MAX_SAFE_INTEGER) => (value, field, problems) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value))
        problems.push(`${field} is ${kind(value)}, expected a whole number`);
    else if (value < min || value > max)
        problems.push(`${field} ${value} is not ${max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `${min}-${max}`}`);
};
const boolean = (value, field, problems) => {
    if (typeof value !== 'boolean')
        problems.push(`${field} is ${kind(value)}, expected true or false`);
};
const oneOf = (allowed) => (value, field, problems) => {
    if (!allowed.includes(value))
        problems.push(`${field} ${quote(value)} is not one of ${allowed.join(', ')}`);
};
const nullable = (shape) => (value, field, problems) => {
    if (value !== null)
        shape(value, field, problems);
};
/** Absent (undefined) or `shape`. */
const optional = (shape) => (value, field, problems) => {
    if (value !== undefined)
        shape(value, field, problems);
};
const listOf = (shape) => (value, field, problems) => {
    if (!Array.isArray(value))
        problems.push(`${field} is ${kind(value)}, expected an array`);
    else
        value.forEach((item, i) => shape(item, `${field}[${i}]`, problems));
};
/** An object used as a map: every key matches `key`, every value has `shape`. */
const recordOf = (key, shape) => (value, field, problems) => {
    if (!isPlainObject(value)) {
        problems.push(`${field} is ${kind(value)}, expected an object`);
        return;
    }
    for (const [name, item] of Object.entries(value)) {
        if (!key.test(name))
            problems.push(`${field} has a key ${quote(name)} that is not a name`);
        else
            shape(item, `${field}.${name}`, problems);
    }
};
/** An object with these fields (others are ignored: readers of an older version skip them). */
const object = (fields) => (value, field, problems) => {
    if (!isPlainObject(value)) {
        problems.push(`${field} is ${kind(value)}, expected an object`);
        return;
    }
    for (const [name, shape] of Object.entries(fields))
        shape(value[name], field === '' ? name : `${field}.${name}`, problems);
};
function isPlainObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
/** No control characters (a newline in a log line starts a workflow command) and not empty. */
function printable(value) {
    return value !== '' && !/\p{Cc}/u.test(value);
}


/***/ }),

/***/ 2180:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Pj: () => (/* binding */ quoteRemote),
/* harmony export */   aQ: () => (/* binding */ hasControl)
/* harmony export */ });
/* unused harmony exports logLine, logLines */
/**
 * Text bound for a runner's log, made safe to print. The runner reads every line an action
 * prints for workflow commands: a line that starts with `::` after its leading blanks (the v2
 * form), or that holds `##[` anywhere (the v1 form, still parsed), both in
 * actions/runner src/Runner.Common/ActionCommand.cs (TryParseV2, TryParse) and tried in that
 * order by src/Runner.Worker/ActionCommandManager.cs. So a value with a line break (an input, a
 * Kong error body) could print `::stop-commands::…`, `::add-mask::…` or a fake `::error::` of
 * its own. Every value an action logs goes through here: its line breaks become visible `\n`
 * escapes, so it stays on its line, and what would read as a command is disarmed.
 */
// C0 controls except tab, DEL, and the other characters a reader may take for a line break.
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f\u0085\u2028\u2029]/g;
function escapeControl(char) {
    if (char === '\n')
        return '\\n';
    if (char === '\r')
        return '\\r';
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
/** A line that cannot be read as a workflow command: a backslash before `::` and in `##[`. */
function disarm(line) {
    return line.replace(/^(\s*)::/, '$1\\::').replaceAll('##[', '##\\[');
}
/** One log line: control characters escaped (so it stays one line), commands disarmed. */
function logLine(text) {
    return disarm(text.replace(CONTROL, escapeControl));
}
/** Text whose line breaks are its own (a rendered Job manifest): each line disarmed. */
function logLines(text) {
    return text.split(/\r\n|\r|\n/).map(logLine);
}
/**
 * A body another system sent (an error page, a Kong message, a socket's answer) for an error
 * message: cut to `max` characters and quoted as a JSON string, so its line breaks and control
 * characters show as escapes wherever the message goes (log, annotation, summary).
 */
function quoteRemote(body, max = 200) {
    const cut = body.length > max ? `${body.slice(0, max)}…` : body;
    return JSON.stringify(cut).replace(/[\u0085\u2028\u2029]/g, escapeControl);
}
/** True when the text holds a line break or another control character (tab aside). */
function hasControl(text) {
    return /[\u0000-\u0008\u000a-\u001f\u007f\u0085\u2028\u2029]/.test(text);
}


/***/ }),

/***/ 7692:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  bk: () => (/* binding */ allLines),
  WP: () => (/* binding */ catalogLine),
  qD: () => (/* binding */ latestVersion),
  d_: () => (/* binding */ notReleased),
  RI: () => (/* binding */ postgresSupport),
  b3: () => (/* binding */ releasesBetween),
  x: () => (/* binding */ resolveVersion),
  nL: () => (/* binding */ supportsCassandra),
  $y: () => (/* binding */ versionExists)
});

// UNUSED EXPORTS: releasesOf

// EXTERNAL MODULE: ./build/lib/errors.js
var errors = __nccwpck_require__(1469);
;// CONCATENATED MODULE: ./build/version/catalog-data.js
// Generated by scripts/gen-catalog.mjs from the files of scripts/kong-data.manifest.json; do not edit by hand.
// OSS: Kong/kong CHANGELOG.md and CHANGELOG-OLD.md headings (22246ef2), plus the release tags
// those files lack (each tag's own CHANGELOG.md).
// Enterprise: developer.konghq.com app/_data/changelogs/gateway.json keys and
// app/_data/products/gateway.yml release_dates (bc1cd742).
const OSS_RELEASES = [
    ['0.0.1alpha-1', '2015-02-25'],
    ['0.1.0beta-3', '2015-03-25'],
    ['0.1.1beta-2', '2015-03-30'],
    ['0.2.0-2', '2015-04-27'],
    ['0.2.1', '2015-05-12'],
    ['0.3.0', '2015-06-04'],
    ['0.3.1', '2015-06-07'],
    ['0.3.2', '2015-06-08'],
    ['0.4.0', '2015-07-15'],
    ['0.4.1', '2015-07-23'],
    ['0.4.2', '2015-08-10'],
    ['0.5.0', '2015-09-25'],
    ['0.5.1', '2015-10-13'],
    ['0.5.2', '2015-10-21'],
    ['0.5.3', '2015-11-16'],
    ['0.5.4', '2015-12-03'],
    ['0.5.5'],
    ['0.6.0', '2016-01-22'],
    ['0.6.1', '2016-02-03'],
    ['0.7.0', '2016-02-24'],
    ['0.8.0', '2016-04-18'],
    ['0.8.1', '2016-04-27'],
    ['0.8.2', '2016-05-25'],
    ['0.8.3', '2016-06-01'],
    ['0.9.0', '2016-08-18'],
    ['0.9.1', '2016-09-02'],
    ['0.9.2', '2016-09-20'],
    ['0.9.3', '2016-10-07'],
    ['0.9.4', '2016-11-02'],
    ['0.9.5', '2016-11-07'],
    ['0.9.6', '2016-11-29'],
    ['0.9.7', '2016-12-21'],
    ['0.9.8', '2017-01-19'],
    ['0.9.9', '2017-02-02'],
    ['0.10.0', '2017-03-07'],
    ['0.10.1', '2017-03-27'],
    ['0.10.2', '2017-05-01'],
    ['0.10.3', '2017-05-24'],
    ['0.10.4', '2017-10-24'],
    ['0.11.0', '2017-08-16'],
    ['0.11.1', '2017-10-24'],
    ['0.11.2', '2017-11-29'],
    ['0.12.0', '2018-01-16'],
    ['0.12.1', '2018-01-18'],
    ['0.12.2', '2018-02-28'],
    ['0.12.3', '2018-03-12'],
    ['0.13.0', '2018-03-22'],
    ['0.13.1', '2018-04-23'],
    ['0.14.0', '2018-07-05'],
    ['0.14.1'],
    ['0.15.0'],
    ['1.0.0'],
    ['1.0.1'],
    ['1.0.2'],
    ['1.0.3'],
    ['1.0.4'],
    ['1.1.0'],
    ['1.1.1'],
    ['1.1.2'],
    ['1.1.3'],
    ['1.2.0'],
    ['1.2.1'],
    ['1.2.2'],
    ['1.2.3'],
    ['1.3.0'],
    ['1.3.1'],
    ['1.4.0'],
    ['1.4.1', '2019-12-03'],
    ['1.4.2', '2019-12-10'],
    ['1.4.3', '2020-01-09'],
    ['1.5.0', '2020-01-20'],
    ['1.5.1', '2020-02-19'],
    ['2.0.0', '2020-01-20'],
    ['2.0.1', '2020-02-04'],
    ['2.0.2', '2020-02-27'],
    ['2.0.3', '2020-04-06'],
    ['2.0.4', '2020-04-22'],
    ['2.0.5', '2020-06-30'],
    ['2.1.0', '2020-07-16'],
    ['2.1.1', '2020-08-05'],
    ['2.1.2', '2020-08-13'],
    ['2.1.3', '2020-08-19'],
    ['2.1.4', '2020-09-18'],
    ['2.2.0', '2020-10-23'],
    ['2.2.1', '2020-12-01'],
    ['2.2.2', '2021-03-01'],
    ['2.3.0', '2021-01-08'],
    ['2.3.1', '2021-01-26'],
    ['2.3.2', '2021-02-09'],
    ['2.3.3', '2021-03-05'],
    ['2.3.4'],
    ['2.4.0', '2021-04-06'],
    ['2.4.1', '2021-05-11'],
    ['2.4.2'],
    ['2.5.0'],
    ['2.5.1'],
    ['2.5.2'],
    ['2.6.0'],
    ['2.6.1'],
    ['2.7.0'],
    ['2.7.1'],
    ['2.7.2'],
    ['2.8.0'],
    ['2.8.1'],
    ['2.8.2'],
    ['2.8.3'],
    ['2.8.4'],
    ['2.8.5'],
    ['3.0.0', '2022-09-12'],
    ['3.0.1'],
    ['3.0.2'],
    ['3.1.0'],
    ['3.1.1'],
    ['3.2.0'],
    ['3.2.1'],
    ['3.2.2'],
    ['3.3.0'],
    ['3.3.1'],
    ['3.4.0'],
    ['3.4.1'],
    ['3.4.2'],
    ['3.5.0'],
    ['3.6.0'],
    ['3.6.1'],
    ['3.7.0'],
    ['3.7.1'],
    ['3.8.0'],
    ['3.8.1'],
    ['3.9.0'],
    ['3.9.1'],
    ['3.9.2'],
    ['3.9.3'],
];
/** OSS releases tagged in Kong/kong without a heading in master's changelogs. */
const OSS_TAGS_NOT_IN_CHANGELOG = (/* unused pure expression or super */ null && (['0.5.5', '1.0.4', '1.1.3', '1.2.3', '1.3.1', '2.3.4', '2.4.2', '2.5.2', '2.6.1', '2.7.2', '3.0.2', '3.1.1', '3.2.1', '3.2.2', '3.3.1']));
const ENTERPRISE_RELEASES = [
    ['2.8.0.0', '2022-03-02'],
    ['2.8.1.0', '2022-04-07'],
    ['2.8.1.1', '2022-05-27'],
    ['2.8.1.2', '2022-07-15'],
    ['2.8.1.3', '2022-08-05'],
    ['2.8.1.4', '2022-08-23'],
    ['2.8.2.0', '2022-10-12'],
    ['2.8.2.1', '2022-11-21'],
    ['2.8.2.2', '2022-12-01'],
    ['2.8.2.3', '2023-01-06'],
    ['2.8.2.4', '2023-01-23'],
    ['2.8.4.0', '2023-03-28'],
    ['2.8.4.1', '2023-05-25'],
    ['2.8.4.2', '2023-07-07'],
    ['2.8.4.3', '2023-09-18'],
    ['2.8.4.4', '2023-10-12'],
    ['2.8.4.5', '2023-11-28'],
    ['2.8.4.6', '2024-01-17'],
    ['2.8.4.7', '2024-02-08'],
    ['2.8.4.8', '2024-03-26'],
    ['2.8.4.9', '2024-04-19'],
    ['2.8.4.10', '2024-06-18'],
    ['2.8.4.11', '2024-06-22'],
    ['2.8.4.12', '2024-07-29'],
    ['2.8.4.13', '2024-09-20'],
    ['2.8.4.14', '2025-04-14'],
    ['3.0.0.0', '2022-09-09'],
    ['3.0.1.0', '2022-11-02'],
    ['3.1.0.0', '2022-12-06'],
    ['3.1.1.2', '2023-01-24'],
    ['3.1.1.3', '2023-01-30'],
    ['3.1.1.4', '2023-05-16'],
    ['3.1.1.5', '2023-08-25'],
    ['3.1.1.6', '2023-10-12'],
    ['3.2.1.0', '2023-02-28'],
    ['3.2.2.0', '2023-03-22'],
    ['3.2.2.1', '2023-04-03'],
    ['3.2.2.2', '2023-05-19'],
    ['3.2.2.3', '2023-06-07'],
    ['3.2.2.4', '2023-09-15'],
    ['3.2.2.5', '2023-10-12'],
    ['3.3.0.0', '2023-05-19'],
    ['3.3.1.0', '2023-07-03'],
    ['3.3.1.1', '2023-10-12'],
    ['3.4.0.0', '2023-08-09'],
    ['3.4.1.0', '2023-09-28'],
    ['3.4.1.1', '2023-10-12'],
    ['3.4.2.0', '2023-11-10'],
    ['3.4.3.1', '2023-12-15'],
    ['3.4.3.2', '2023-12-22'],
    ['3.4.3.3', '2024-01-17'],
    ['3.4.3.4', '2024-02-10'],
    ['3.4.3.5', '2024-03-21'],
    ['3.4.3.6', '2024-04-15'],
    ['3.4.3.7', '2024-04-23'],
    ['3.4.3.8', '2024-05-16'],
    ['3.4.3.9', '2024-06-08'],
    ['3.4.3.10', '2024-06-18'],
    ['3.4.3.11', '2024-06-22'],
    ['3.4.3.12', '2024-08-08'],
    ['3.4.3.13', '2024-11-15'],
    ['3.4.3.14', '2024-12-17'],
    ['3.4.3.15', '2025-01-10'],
    ['3.4.3.16', '2025-01-16'],
    ['3.4.3.17', '2025-03-26'],
    ['3.4.3.18', '2025-04-29'],
    ['3.4.3.19', '2025-06-10'],
    ['3.4.3.20', '2025-06-25'],
    ['3.4.3.21', '2025-09-05'],
    ['3.4.3.22', '2025-11-24'],
    ['3.4.3.23', '2026-01-07'],
    ['3.4.3.24', '2026-03-11'],
    ['3.4.3.25', '2026-04-09'],
    ['3.4.3.26', '2026-05-11'],
    ['3.4.3.27', '2026-05-28'],
    ['3.4.3.28', '2026-06-11'],
    ['3.4.3.29', '2026-08-10'],
    ['3.5.0.0', '2023-11-08'],
    ['3.5.0.1', '2023-11-14'],
    ['3.5.0.2', '2023-12-21'],
    ['3.5.0.3', '2024-01-26'],
    ['3.5.0.4', '2024-05-20'],
    ['3.5.0.5', '2024-06-18'],
    ['3.5.0.6', '2024-06-22'],
    ['3.5.0.7', '2024-07-09'],
    ['3.6.0.0', '2024-02-12'],
    ['3.6.1.0', '2024-02-26'],
    ['3.6.1.1', '2024-03-05'],
    ['3.6.1.2', '2024-04-08'],
    ['3.6.1.3', '2024-04-16'],
    ['3.6.1.4', '2024-05-14'],
    ['3.6.1.5', '2024-06-18'],
    ['3.6.1.6', '2024-06-22'],
    ['3.6.1.7', '2024-07-09'],
    ['3.6.1.8', '2024-10-11'],
    ['3.7.0.0', '2024-05-28'],
    ['3.7.1.0', '2024-06-18'],
    ['3.7.1.1', '2024-06-22'],
    ['3.7.1.2', '2024-07-09'],
    ['3.7.1.3', '2024-11-26'],
    ['3.7.1.4', '2025-02-25'],
    ['3.7.1.5', '2025-04-10'],
    ['3.8.0.0', '2024-09-11'],
    ['3.8.1.0', '2024-11-04'],
    ['3.8.1.1', '2025-04-10'],
    ['3.8.1.2', '2025-07-02'],
    ['3.9.0.0', '2024-12-12'],
    ['3.9.0.1', '2025-01-28'],
    ['3.9.1.0', '2025-03-11'],
    ['3.9.1.1', '2025-03-20'],
    ['3.9.1.2', '2025-07-07'],
    ['3.10.0.0', '2025-03-27'],
    ['3.10.0.1', '2025-04-15'],
    ['3.10.0.2', '2025-05-20'],
    ['3.10.0.3', '2025-07-06'],
    ['3.10.0.4', '2025-08-07'],
    ['3.10.0.5', '2025-08-22'],
    ['3.10.0.6', '2025-10-10'],
    ['3.10.0.7', '2025-12-09'],
    ['3.10.0.8', '2026-02-11'],
    ['3.10.0.9', '2026-03-12'],
    ['3.10.0.10', '2026-04-09'],
    ['3.10.0.11', '2026-05-14'],
    ['3.10.0.12', '2026-05-28'],
    ['3.10.0.13', '2026-06-08'],
    ['3.10.0.14', '2026-06-11'],
    ['3.10.0.15', '2026-06-30'],
    ['3.10.0.16', '2026-07-08'],
    ['3.10.0.17', '2026-08-10'],
    ['3.11.0.0', '2025-07-03'],
    ['3.11.0.1', '2025-07-16'],
    ['3.11.0.2', '2025-07-28'],
    ['3.11.0.3', '2025-09-05'],
    ['3.11.0.4', '2025-09-30'],
    ['3.11.0.5', '2025-10-23'],
    ['3.11.0.6', '2025-11-03'],
    ['3.11.0.7', '2026-02-26'],
    ['3.11.0.8', '2026-03-12'],
    ['3.11.0.9', '2026-04-15'],
    ['3.11.0.10', '2026-04-27'],
    ['3.11.0.11', '2026-05-11'],
    ['3.11.0.12', '2026-05-28'],
    ['3.11.0.13', '2026-06-11'],
    ['3.11.0.14', '2026-06-30'],
    ['3.12.0.0', '2025-10-01'],
    ['3.12.0.1', '2025-11-18'],
    ['3.12.0.2', '2025-12-10'],
    ['3.12.0.3', '2026-02-26'],
    ['3.12.0.4', '2026-03-11'],
    ['3.12.0.5', '2026-04-15'],
    ['3.12.0.6', '2026-05-11'],
    ['3.12.0.7', '2026-05-28'],
    ['3.12.0.8', '2026-06-11'],
    ['3.12.0.9', '2026-07-22'],
    ['3.12.0.10', '2026-08-10'],
    ['3.12.0.11', '2026-08-18'],
    ['3.13.0.0', '2025-12-18'],
    ['3.13.0.1', '2026-02-01'],
    ['3.13.0.2', '2026-03-10'],
    ['3.13.0.3', '2026-04-08'],
    ['3.13.0.4', '2026-05-05'],
    ['3.13.0.5', '2026-05-28'],
    ['3.13.0.6', '2026-06-11'],
    ['3.13.0.7', '2026-06-30'],
    ['3.13.0.8', '2026-07-27'],
    ['3.13.0.9', '2026-08-10'],
    ['3.13.0.10', '2026-08-20'],
    ['3.14.0.0', '2026-04-07'],
    ['3.14.0.1', '2026-04-10'],
    ['3.14.0.2', '2026-04-28'],
    ['3.14.0.3', '2026-05-25'],
    ['3.14.0.4', '2026-05-28'],
    ['3.14.0.5', '2026-06-04'],
    ['3.14.0.6', '2026-06-11'],
    ['3.14.0.7', '2026-06-23'],
    ['3.14.0.8', '2026-07-02'],
    ['3.14.0.9', '2026-07-14'],
    ['3.14.0.10', '2026-07-29'],
    ['3.14.0.11', '2026-08-06'],
    ['3.14.0.12', '2026-08-10'],
    ['3.14.0.13', '2026-08-19'],
    ['3.15.0.0', '2026-07-02'],
    ['3.15.0.1', '2026-07-07'],
    ['3.15.0.2', '2026-07-21'],
    ['3.15.0.3', '2026-08-10'],
    ['3.15.0.4', '2026-08-20'],
];

// EXTERNAL MODULE: ./build/version/kong-version.js
var kong_version = __nccwpck_require__(7143);
;// CONCATENATED MODULE: ./build/version/catalog.js



const PG_12_TO_15 = [12, 13, 14, 15];
const PG_12_TO_16 = [12, 13, 14, 15, 16];
const PG_13_TO_17 = [13, 14, 15, 16, 17];
// LTS and end-of-life: developer.konghq.com app/_data/products/gateway.yml (bc1cd742) for 3.4
// and 3.7–3.15; docs.konghq.com app/_data/kong_versions.yml (fb0334b0) for 2.8, 3.3, 3.5, 3.6,
// which the newer file no longer lists. Where both list a line the newer file wins (3.8, 3.9).
// PostgreSQL tested lists: docs.konghq.com app/_data/tables/support/gateway/versions/28.yml,
// 32.yml, 33.yml, 35–38.yml (fb0334b0) and gateway.yml for 3.4 and 3.7+.
const LINE_FACTS = {
    '2.8': { lts: true, endOfLife: '2025-03-31', postgres: PG_12_TO_15 },
    '3.2': { postgres: PG_12_TO_15 },
    '3.3': { endOfLife: '2024-05-19', postgres: PG_12_TO_15 },
    '3.4': { lts: true, endOfLife: '2026-08-31', postgres: PG_12_TO_16 },
    '3.5': { endOfLife: '2024-11-08', postgres: PG_12_TO_16 },
    '3.6': { endOfLife: '2025-02-12', postgres: PG_12_TO_16 },
    '3.7': { endOfLife: '2025-05-31', postgres: PG_12_TO_16 },
    '3.8': { endOfLife: '2025-09-11', postgres: PG_12_TO_16 },
    '3.9': { endOfLife: '2025-12-12', postgres: PG_13_TO_17 },
    '3.10': { lts: true, endOfLife: '2028-03-31', postgres: PG_13_TO_17 },
    '3.11': { endOfLife: '2026-07-03', postgres: PG_13_TO_17 },
    '3.12': { endOfLife: '2026-10-01', postgres: PG_13_TO_17 },
    '3.13': { endOfLife: '2026-12-18', postgres: PG_13_TO_17 },
    '3.14': { lts: true, endOfLife: '2029-04-07', postgres: PG_13_TO_17 },
    '3.15': { endOfLife: '2027-07-02', postgres: PG_13_TO_17 },
};
// Cassandra was removed in 3.4.0 (Kong/kong#10931), so 3.3 is its last line.
const LAST_CASSANDRA_LINE = { major: 3, minor: 3 };
const RELEASES = {
    oss: toReleases(OSS_RELEASES),
    enterprise: toReleases(ENTERPRISE_RELEASES),
};
function toReleases(rows) {
    return rows
        .map(([version, date]) => ({ version: (0,kong_version/* parseKongVersion */.bo)(version, 'catalog'), date }))
        .sort((a, b) => (0,kong_version/* compareKongVersions */.QR)(a.version, b.version));
}
const LINES = buildLines();
const LINE_BY_NAME = new Map(LINES.map((line) => [line.line, line]));
function buildLines() {
    const names = new Set([...RELEASES.oss, ...RELEASES.enterprise].map((r) => (0,kong_version/* releaseLine */.aY)(r.version)));
    return [...names]
        .map((name) => {
        const [major, minor] = name.split('.').map(Number);
        const facts = LINE_FACTS[name] ?? {};
        const inLine = (edition) => RELEASES[edition].filter((r) => (0,kong_version/* releaseLine */.aY)(r.version) === name);
        const dates = [...inLine('oss'), ...inLine('enterprise')].flatMap((r) => (r.date === undefined ? [] : [r.date]));
        return {
            line: name,
            major,
            minor,
            lts: facts.lts === true,
            endOfLife: facts.endOfLife,
            firstReleased: dates.sort()[0],
            latestOss: latestOf(inLine('oss')),
            latestEnterprise: latestOf(inLine('enterprise')),
            postgres: facts.postgres && { tested: facts.postgres, minimum: Math.min(...facts.postgres) },
            cassandra: major < LAST_CASSANDRA_LINE.major || (major === LAST_CASSANDRA_LINE.major && minor <= LAST_CASSANDRA_LINE.minor),
        };
    })
        .sort((a, b) => a.major - b.major || a.minor - b.minor);
}
function latestOf(releases) {
    return releases.filter((r) => !(0,kong_version/* isPrerelease */.V1)(r.version)).at(-1)?.version;
}
/** Every release line, oldest first. */
function allLines() {
    return LINES;
}
function catalogLine(line) {
    return LINE_BY_NAME.get(line);
}
function latestVersion(line, edition) {
    const entry = LINE_BY_NAME.get(line);
    return edition === 'oss' ? entry?.latestOss : entry?.latestEnterprise;
}
/** Whether the version was released in its own edition (three numbers: OSS; four: Enterprise). */
function versionExists(version) {
    return RELEASES[(0,kong_version/* editionOf */.yU)(version)].some((r) => (0,kong_version/* compareKongVersions */.QR)(r.version, version) === 0);
}
function releasesOf(line, edition) {
    return RELEASES[edition].filter((r) => (0,kong_version/* releaseLine */.aY)(r.version) === line);
}
/** The releases of an edition after `from` up to and including `to`, oldest first. */
function releasesBetween(from, to, edition) {
    return RELEASES[edition].filter((r) => (0,kong_version/* compareKongVersions */.QR)(r.version, from) > 0 && (0,kong_version/* compareKongVersions */.QR)(r.version, to) <= 0);
}
function postgresSupport(line) {
    return LINE_BY_NAME.get(line)?.postgres;
}
function supportsCassandra(version) {
    return LINE_BY_NAME.get((0,kong_version/* releaseLine */.aY)(version))?.cassandra ?? version.major < LAST_CASSANDRA_LINE.major;
}
const LINE_PATTERN = /^v?(\d+)\.(\d+)(?:\.x)?$/;
/**
 * Turns what a user asks for into a released version of the edition: "latest", a line
 * ("3.4" or "3.4.x": its latest release) or an exact version, which must exist.
 */
function resolveVersion(text, edition, input = 'to') {
    const wanted = text.trim();
    const name = edition === 'oss' ? 'OSS' : 'Enterprise';
    if (wanted.toLowerCase() === 'latest') {
        const latest = latestOf(RELEASES[edition]);
        if (latest === undefined)
            throw (0,errors/* inputError */.Xu)(input, `the catalog has no ${name} release`);
        return latest;
    }
    const line = LINE_PATTERN.exec(wanted);
    if (line) {
        const lineName = `${Number(line[1])}.${Number(line[2])}`;
        const latest = latestVersion(lineName, edition);
        if (latest === undefined) {
            throw (0,errors/* inputError */.Xu)(input, `Kong has no ${name} release in line ${lineName}; ${name} lines: ${linesWith(edition)}`);
        }
        return latest;
    }
    const version = (0,kong_version/* parseKongVersion */.bo)(wanted, input);
    if ((0,kong_version/* editionOf */.yU)(version) !== edition) {
        const form = edition === 'oss' ? 'three numbers, e.g. 3.4.2' : 'four numbers, e.g. 3.4.3.29';
        throw (0,errors/* inputError */.Xu)(input, `"${wanted}" is not an ${name} version; ${name} versions have ${form}`);
    }
    if (!versionExists(version))
        throw (0,errors/* inputError */.Xu)(input, notReleased(version, edition));
    return version;
}
/** The message for a version that was never released, listing what its line did release. */
function notReleased(version, edition) {
    const line = (0,kong_version/* releaseLine */.aY)(version);
    const name = edition === 'oss' ? 'OSS' : 'Enterprise';
    const released = releasesOf(line, edition).map((r) => (0,kong_version/* formatKongVersion */.Xz)(r.version));
    const known = released.length > 0 ? `${name} ${line} releases: ${released.join(', ')}` : `${name} lines: ${linesWith(edition)}`;
    return `Kong ${name} ${(0,kong_version/* formatKongVersion */.Xz)(version)} was never released; ${known}`;
}
function linesWith(edition) {
    const lines = LINES.filter((l) => (edition === 'oss' ? l.latestOss : l.latestEnterprise) !== undefined).map((l) => l.line);
    return `${lines[0]} … ${lines.at(-1)}`;
}


/***/ }),

/***/ 7143:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Fv: () => (/* binding */ ACCEPTED_VERSION_FORMS),
/* harmony export */   QR: () => (/* binding */ compareKongVersions),
/* harmony export */   SC: () => (/* binding */ tryParseKongVersion),
/* harmony export */   V1: () => (/* binding */ isPrerelease),
/* harmony export */   Xz: () => (/* binding */ formatKongVersion),
/* harmony export */   aY: () => (/* binding */ releaseLine),
/* harmony export */   bo: () => (/* binding */ parseKongVersion),
/* harmony export */   tW: () => (/* binding */ sameLine),
/* harmony export */   yU: () => (/* binding */ editionOf)
/* harmony export */ });
/* harmony import */ var _lib_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(1469);

const ACCEPTED_VERSION_FORMS = '3.4.2 (OSS), 3.4.3.5 (Enterprise, four numbers), 3.4.0-rc.1 or 2.0.0rc2 (pre-release)';
const VERSION_PATTERN = /^v?(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?(?:-?([0-9A-Za-z]+(?:[.-][0-9A-Za-z]+)*))?$/;
const ENTERPRISE_EDITION_SUFFIX = /-enterprise-edition$/i;
/** Parses a version or returns undefined; use `parseKongVersion` where a bad value is an error. */
function tryParseKongVersion(text) {
    const trimmed = text.trim();
    const enterpriseEdition = ENTERPRISE_EDITION_SUFFIX.test(trimmed);
    const match = VERSION_PATTERN.exec(trimmed.replace(ENTERPRISE_EDITION_SUFFIX, ''));
    if (!match)
        return undefined;
    const [, major, minor, patch, build, pre] = match;
    return {
        major: Number(major),
        minor: Number(minor),
        patch: Number(patch),
        // The suffix says Enterprise even without a fourth number: its build 0 (compareKongVersions).
        build: build === undefined ? (enterpriseEdition ? 0 : undefined) : Number(build),
        prerelease: pre === undefined ? [] : splitPrerelease(pre),
    };
}
/** Parses a version given by the user; `input` names where it came from for the error. */
function parseKongVersion(text, input = 'version') {
    const version = tryParseKongVersion(text);
    if (!version) {
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .inputError */ .Xu)(input, `"${text}" is not a Kong version; accepted forms: ${ACCEPTED_VERSION_FORMS}`);
    }
    return version;
}
// `rc2` and `rc.2` order the same way: split letters from digits, then on dots and dashes.
function splitPrerelease(text) {
    return text
        .split(/[.-]/)
        .flatMap((part) => part.match(/\d+|[A-Za-z]+/g) ?? [])
        .map((part) => (/^\d+$/.test(part) ? Number(part) : part.toLowerCase()));
}
function editionOf(version) {
    return version.build === undefined ? 'oss' : 'enterprise';
}
function formatKongVersion(version) {
    const numbers = [version.major, version.minor, version.patch];
    if (version.build !== undefined)
        numbers.push(version.build);
    const pre = version.prerelease.length > 0 ? `-${version.prerelease.join('.')}` : '';
    return numbers.join('.') + pre;
}
/** The release line, e.g. "3.4": Kong's unit of support, LTS and upgrade paths. */
function releaseLine(version) {
    return `${version.major}.${version.minor}`;
}
/**
 * Total order over OSS and Enterprise versions. An OSS version sorts with the Enterprise
 * build 0 of the same patch (3.4.2 and 3.4.2.0 are the same code line), and a pre-release
 * sorts before its release.
 */
function compareKongVersions(a, b) {
    const numeric = a.major - b.major || a.minor - b.minor || a.patch - b.patch || (a.build ?? 0) - (b.build ?? 0);
    if (numeric !== 0)
        return Math.sign(numeric);
    return comparePrerelease(a.prerelease, b.prerelease);
}
function comparePrerelease(a, b) {
    if (a.length === 0 || b.length === 0)
        return Math.sign(b.length - a.length);
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
        const x = a[i];
        const y = b[i];
        if (x === y)
            continue;
        if (typeof x === 'number' && typeof y === 'number')
            return Math.sign(x - y);
        if (typeof x === 'number')
            return -1;
        if (typeof y === 'number')
            return 1;
        return x < y ? -1 : 1;
    }
    return Math.sign(a.length - b.length);
}
function isPrerelease(version) {
    return version.prerelease.length > 0;
}
function sameLine(a, b) {
    return a.major === b.major && a.minor === b.minor;
}


/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		id: moduleId,
/******/ 		loaded: false,
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId].call(module.exports, module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Flag the module as loaded
/******/ 	module.loaded = true;
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/******/ // expose the modules object (__webpack_modules__)
/******/ __nccwpck_require__.m = __webpack_modules__;
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/async module */
/******/ (() => {
/******/ 	var webpackQueues = typeof Symbol === "function" ? Symbol("webpack queues") : "__webpack_queues__";
/******/ 	var webpackExports = typeof Symbol === "function" ? Symbol("webpack exports") : "__webpack_exports__";
/******/ 	var webpackError = typeof Symbol === "function" ? Symbol("webpack error") : "__webpack_error__";
/******/ 	var resolveQueue = (queue) => {
/******/ 		if(queue && queue.d < 1) {
/******/ 			queue.d = 1;
/******/ 			queue.forEach((fn) => (fn.r--));
/******/ 			queue.forEach((fn) => (fn.r-- ? fn.r++ : fn()));
/******/ 		}
/******/ 	}
/******/ 	var wrapDeps = (deps) => (deps.map((dep) => {
/******/ 		if(dep !== null && typeof dep === "object") {
/******/ 			if(dep[webpackQueues]) return dep;
/******/ 			if(dep.then) {
/******/ 				var queue = [];
/******/ 				queue.d = 0;
/******/ 				dep.then((r) => {
/******/ 					obj[webpackExports] = r;
/******/ 					resolveQueue(queue);
/******/ 				}, (e) => {
/******/ 					obj[webpackError] = e;
/******/ 					resolveQueue(queue);
/******/ 				});
/******/ 				var obj = {};
/******/ 				obj[webpackQueues] = (fn) => (fn(queue));
/******/ 				return obj;
/******/ 			}
/******/ 		}
/******/ 		var ret = {};
/******/ 		ret[webpackQueues] = x => {};
/******/ 		ret[webpackExports] = dep;
/******/ 		return ret;
/******/ 	}));
/******/ 	__nccwpck_require__.a = (module, body, hasAwait) => {
/******/ 		var queue;
/******/ 		hasAwait && ((queue = []).d = -1);
/******/ 		var depQueues = new Set();
/******/ 		var exports = module.exports;
/******/ 		var currentDeps;
/******/ 		var outerResolve;
/******/ 		var reject;
/******/ 		var promise = new Promise((resolve, rej) => {
/******/ 			reject = rej;
/******/ 			outerResolve = resolve;
/******/ 		});
/******/ 		promise[webpackExports] = exports;
/******/ 		promise[webpackQueues] = (fn) => (queue && fn(queue), depQueues.forEach(fn), promise["catch"](x => {}));
/******/ 		module.exports = promise;
/******/ 		body((deps) => {
/******/ 			currentDeps = wrapDeps(deps);
/******/ 			var fn;
/******/ 			var getResult = () => (currentDeps.map((d) => {
/******/ 				if(d[webpackError]) throw d[webpackError];
/******/ 				return d[webpackExports];
/******/ 			}))
/******/ 			var promise = new Promise((resolve) => {
/******/ 				fn = () => (resolve(getResult));
/******/ 				fn.r = 0;
/******/ 				var fnQueue = (q) => (q !== queue && !depQueues.has(q) && (depQueues.add(q), q && !q.d && (fn.r++, q.push(fn))));
/******/ 				currentDeps.map((dep) => (dep[webpackQueues](fnQueue)));
/******/ 			});
/******/ 			return fn.r ? promise : getResult();
/******/ 		}, (err) => ((err ? reject(promise[webpackError] = err) : outerResolve(exports)), resolveQueue(queue)));
/******/ 		queue && queue.d < 0 && (queue.d = 0);
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/create fake namespace object */
/******/ (() => {
/******/ 	var getProto = Object.getPrototypeOf ? (obj) => (Object.getPrototypeOf(obj)) : (obj) => (obj.__proto__);
/******/ 	var leafPrototypes;
/******/ 	// create a fake namespace object
/******/ 	// mode & 1: value is a module id, require it
/******/ 	// mode & 2: merge all properties of value into the ns
/******/ 	// mode & 4: return value when already ns object
/******/ 	// mode & 16: return value when it's Promise-like
/******/ 	// mode & 8|1: behave like require
/******/ 	__nccwpck_require__.t = function(value, mode) {
/******/ 		if(mode & 1) value = this(value);
/******/ 		if(mode & 8) return value;
/******/ 		if(typeof value === 'object' && value) {
/******/ 			if((mode & 4) && value.__esModule) return value;
/******/ 			if((mode & 16) && typeof value.then === 'function') return value;
/******/ 		}
/******/ 		var ns = Object.create(null);
/******/ 		__nccwpck_require__.r(ns);
/******/ 		var def = {};
/******/ 		leafPrototypes = leafPrototypes || [null, getProto({}), getProto([]), getProto(getProto)];
/******/ 		for(var current = mode & 2 && value; typeof current == 'object' && !~leafPrototypes.indexOf(current); current = getProto(current)) {
/******/ 			Object.getOwnPropertyNames(current).forEach((key) => (def[key] = () => (value[key])));
/******/ 		}
/******/ 		def['default'] = () => (value);
/******/ 		__nccwpck_require__.d(ns, def);
/******/ 		return ns;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/ensure chunk */
/******/ (() => {
/******/ 	__nccwpck_require__.f = {};
/******/ 	// This file contains only the entry chunk.
/******/ 	// The chunk loading function for additional chunks
/******/ 	__nccwpck_require__.e = (chunkId) => {
/******/ 		return Promise.all(Object.keys(__nccwpck_require__.f).reduce((promises, key) => {
/******/ 			__nccwpck_require__.f[key](chunkId, promises);
/******/ 			return promises;
/******/ 		}, []));
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/get javascript chunk filename */
/******/ (() => {
/******/ 	// This function allow to reference async chunks
/******/ 	__nccwpck_require__.u = (chunkId) => {
/******/ 		// return url for filenames based on template
/******/ 		return "" + chunkId + ".index.js";
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/******/ /* webpack/runtime/make namespace object */
/******/ (() => {
/******/ 	// define __esModule on exports
/******/ 	__nccwpck_require__.r = (exports) => {
/******/ 		if(typeof Symbol !== 'undefined' && Symbol.toStringTag) {
/******/ 			Object.defineProperty(exports, Symbol.toStringTag, { value: 'Module' });
/******/ 		}
/******/ 		Object.defineProperty(exports, '__esModule', { value: true });
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/node module decorator */
/******/ (() => {
/******/ 	__nccwpck_require__.nmd = (module) => {
/******/ 		module.paths = [];
/******/ 		if (!module.children) module.children = [];
/******/ 		return module;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/import chunk loading */
/******/ (() => {
/******/ 	// no baseURI
/******/ 	
/******/ 	// object to store loaded and loading chunks
/******/ 	// undefined = chunk not loaded, null = chunk preloaded/prefetched
/******/ 	// [resolve, Promise] = chunk loading, 0 = chunk loaded
/******/ 	var installedChunks = {
/******/ 		792: 0
/******/ 	};
/******/ 	
/******/ 	var installChunk = (data) => {
/******/ 		var {ids, modules, runtime} = data;
/******/ 		// add "modules" to the modules object,
/******/ 		// then flag all "ids" as loaded and fire callback
/******/ 		var moduleId, chunkId, i = 0;
/******/ 		for(moduleId in modules) {
/******/ 			if(__nccwpck_require__.o(modules, moduleId)) {
/******/ 				__nccwpck_require__.m[moduleId] = modules[moduleId];
/******/ 			}
/******/ 		}
/******/ 		if(runtime) runtime(__nccwpck_require__);
/******/ 		for(;i < ids.length; i++) {
/******/ 			chunkId = ids[i];
/******/ 			if(__nccwpck_require__.o(installedChunks, chunkId) && installedChunks[chunkId]) {
/******/ 				installedChunks[chunkId][0]();
/******/ 			}
/******/ 			installedChunks[ids[i]] = 0;
/******/ 		}
/******/ 	
/******/ 	}
/******/ 	
/******/ 	__nccwpck_require__.f.j = (chunkId, promises) => {
/******/ 			// import() chunk loading for javascript
/******/ 			var installedChunkData = __nccwpck_require__.o(installedChunks, chunkId) ? installedChunks[chunkId] : undefined;
/******/ 			if(installedChunkData !== 0) { // 0 means "already installed".
/******/ 	
/******/ 				// a Promise means "currently loading".
/******/ 				if(installedChunkData) {
/******/ 					promises.push(installedChunkData[1]);
/******/ 				} else {
/******/ 					if(true) { // all chunks have JS
/******/ 						// setup Promise in chunk cache
/******/ 						var promise = import("./" + __nccwpck_require__.u(chunkId)).then(installChunk, (e) => {
/******/ 							if(installedChunks[chunkId] !== 0) installedChunks[chunkId] = undefined;
/******/ 							throw e;
/******/ 						});
/******/ 						var promise = Promise.race([promise, new Promise((resolve) => (installedChunkData = installedChunks[chunkId] = [resolve]))])
/******/ 						promises.push(installedChunkData[1] = promise);
/******/ 					}
/******/ 				}
/******/ 			}
/******/ 	};
/******/ 	
/******/ 	// no prefetching
/******/ 	
/******/ 	// no preloaded
/******/ 	
/******/ 	// no external install chunk
/******/ 	
/******/ 	// no on chunks loaded
/******/ })();
/******/ 
/************************************************************************/
/******/ 
/******/ // startup
/******/ // Load entry module and return exports
/******/ // This entry module used 'module' so it can't be inlined
/******/ var __webpack_exports__ = __nccwpck_require__(5472);
/******/ __webpack_exports__ = await __webpack_exports__;
/******/ var __webpack_exports__main = __webpack_exports__.i;
/******/ export { __webpack_exports__main as main };
/******/ 
