import { XMLParser, XMLValidator } from "fast-xml-parser";
import { parseJUnit } from "./src/core/junit.js";
import { generateLanes } from "./test/fixtures/junit/generate.js";
const lanes = generateLanes(50000, 8);
const ARR = new Set(["testsuite","testcase","failure","error","skipped","system-out","system-err"]);
const p = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", parseAttributeValue: false, parseTagValue: false, trimValues: false, processEntities: false, isArray: (n: string, _p: string, _l: boolean, a: boolean) => !a && ARR.has(n) });
for (let k = 0; k < 3; k++) {
let s = performance.now(); for (const l of lanes) XMLValidator.validate(l.xml); console.log("validate", Math.round(performance.now() - s));
s = performance.now(); for (const l of lanes) p.parse(l.xml); console.log("parse", Math.round(performance.now() - s));
s = performance.now(); for (const l of lanes) parseJUnit(l.xml, l.lane); console.log("parseJUnit", Math.round(performance.now() - s));
}
