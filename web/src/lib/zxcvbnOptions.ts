// What the strength estimator knows, imported only through a dynamic
// import in ./passwordStrength.ts, so all of it sits in lazily loaded chunks.
//
// The pieces come file by file rather than through the packages' index
// modules, which would bundle every dictionary they have: the full English
// package is about 600 KB gzipped. Kept: the common passwords and keyboard
// graphs, English Wikipedia words, first names and word sequences — close to
// what the server's zxcvbn knows (passwords, Wikipedia, names). Left out:
// the 100,000 "common words" and the last-name list (about 470 KB gzipped
// together) and the diceware list (the server has none: with it the console
// would refuse passphrases the server accepts). The server decides anyway.
import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import adjacencyGraphs from "@zxcvbn-ts/language-common/dist/adjacencyGraphs.json.mjs";
import passwords from "@zxcvbn-ts/language-common/dist/passwords.json.mjs";
import firstnames from "@zxcvbn-ts/language-en/dist/firstnames.json.mjs";
import translations from "@zxcvbn-ts/language-en/dist/translations.mjs";
import wikipedia from "@zxcvbn-ts/language-en/dist/wikipedia.json.mjs";
import wordSequences from "@zxcvbn-ts/language-en/dist/wordSequences.json.mjs";

export function createFactory(): ZxcvbnFactory {
  return new ZxcvbnFactory({
    dictionary: {
      "passwords-common": passwords,
      "wikipedia-en": wikipedia,
      "firstnames-en": firstnames,
      ...wordSequences,
    },
    graphs: adjacencyGraphs,
    translations,
  });
}
