// JSON-shaped values into Lua tables, the way Argo CD hands `obj` to scripts: objects become tables
// keyed by field name, arrays become 1-based sequences, null fields are absent. Integral numbers
// become Lua integers, so `tostring(obj.spec.replicas)` and `"x" .. n` print "3", not "3.0".
import type { LuaState, RawLua, WasmStrings } from './wasm.js';

/** Deeper than any real Kubernetes object; keeps a hostile file from exhausting the JS stack. */
export const MAX_DEPTH = 512;

export class NestingTooDeepError extends Error {}

export function pushJson(raw: RawLua, strings: WasmStrings, L: LuaState, value: unknown, depth = 0): void {
  switch (typeof value) {
    case 'string':
      strings.push(L, value);
      return;
    case 'number':
      if (Number.isSafeInteger(value)) raw._lua_pushinteger(L, BigInt(value));
      else raw._lua_pushnumber(L, value);
      return;
    case 'boolean':
      raw._lua_pushboolean(L, value ? 1 : 0);
      return;
    case 'object':
      if (value === null) break;
      if (depth >= MAX_DEPTH) throw new NestingTooDeepError(`object is nested more than ${MAX_DEPTH} levels deep`);
      // A table, then a key and a value on top of it while filling: room for three more slots.
      raw._lua_checkstack(L, 3);
      if (Array.isArray(value)) {
        raw._lua_createtable(L, value.length, 0);
        for (let i = 0; i < value.length; i++) {
          pushJson(raw, strings, L, value[i], depth + 1);
          raw._lua_rawseti(L, -2, BigInt(i + 1));
        }
      } else {
        const fields = value as Record<string, unknown>;
        const keys = Object.keys(fields);
        raw._lua_createtable(L, 0, keys.length);
        for (const key of keys) {
          const field = fields[key];
          if (field === null || field === undefined) continue;
          strings.push(L, key);
          pushJson(raw, strings, L, field, depth + 1);
          raw._lua_rawset(L, -3);
        }
      }
      return;
    case 'undefined':
    case 'bigint':
    case 'symbol':
    case 'function':
      break;
  }
  raw._lua_pushnil(L);
}
