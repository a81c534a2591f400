// Package classroom serves ftplab to a whole class over SSH: each student
// who connects gets their own program (the screens come from the caller,
// see [Config.NewScreen]), the teacher's terminal shows a [Dashboard] of
// where everyone stands, and each finished lesson is appended to a
// [Results] file. It knows SSH, limits and the roster; it draws no
// lesson itself.
package classroom
