// Package stdlib is the standard library of the modelling language. It holds the table of
// built-in functions (docs/language.md §6.11): for each function its name, arguments and their types,
// its evaluation, its Taylor-jet rule for differentiation, its rule for the expansion in
// powers of 1/N, and its documentation line. The compiler (names, types, lowering), the
// expression graph, autodiff and the series expansion all read this one table, so a new
// built-in is one entry in it.
//
// The package will also hold the model library, stdlib/models (a separate change).
//
// stdlib imports no other package of the toolkit: the compiler, compiler/ir,
// compiler/series and autodiff import it.
package stdlib
