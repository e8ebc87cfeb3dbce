// The contract's type-only imports reach core modules written for Node (proxy, clients), and tsc
// checks what those import too. Their Node types are needed to type-check, never at run time:
// type-only imports leave nothing in the bundle.
/// <reference types="node" />
