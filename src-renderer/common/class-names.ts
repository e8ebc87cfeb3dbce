/** Joins the class names that apply: `classNames('row', selected && 'row-selected')`. */
export function classNames(...names: (string | false | null | undefined)[]): string {
  return names.filter(Boolean).join(' ');
}
