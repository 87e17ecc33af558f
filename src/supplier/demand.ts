// The Responsible Supplier's Daily Migration Demand (TMAD 4.8(a); Guide 4.5.2) from a simple input:
//   SMSO,ElectricityDistributor,PerWorkingDay          the same number on every Working Day, 0 on others
//   SMSO,ElectricityDistributor,Mon,Tue,Wed,Thu,Fri,Sat,Sun   one number per day of the week
// (docs/PLANNING.md). Pure: the CLI reads the input and writes the file.
import { addDays, defaultWorkingDayCalendar, type WorkingDayCalendar } from '../core/calendar/index.js';
import {
  csvLines,
  parsePlanningFile,
  parseQuantity,
  planningFileName,
  writePlanningFile,
  type PlanningFile,
  type PlanningProblem,
} from '../core/planning/files.js';

export const DEMAND_INPUT_HEADERS = [
  'SMSO,ElectricityDistributor,PerWorkingDay',
  'SMSO,ElectricityDistributor,Mon,Tue,Wed,Thu,Fri,Sat,Sun',
] as const;

export type BuiltDemand =
  | { ok: true; file: PlanningFile; fileName: string; text: string }
  | { ok: false; problems: PlanningProblem[] };

/** Build the Daily Migration Demand of `supplierId` for the Migration Week starting `week`. */
export function buildDemand(
  supplierId: string,
  week: string,
  input: string,
  inputName: string,
  cal: WorkingDayCalendar = defaultWorkingDayCalendar(),
): BuiltDemand {
  const rule = 'TMAD 4.8(a); docs/PLANNING.md (demand input)';
  const lines = csvLines(input);
  const perDay = lines[0] === DEMAND_INPUT_HEADERS[1];
  if (!perDay && lines[0] !== DEMAND_INPUT_HEADERS[0])
    return {
      ok: false,
      problems: [
        {
          file: inputName,
          line: 1,
          column: null,
          field: null,
          rule,
          message: `header '${(lines[0] ?? '').slice(0, 200)}': expected ${DEMAND_INPUT_HEADERS.join(' or ')}`,
        },
      ],
    };
  const problems: PlanningProblem[] = [];
  const out: string[] = ['MigrationWeek,SupplierId,SMSO,ElectricityDistributor,Date,DailyMigrationDemand'];
  const width = perDay ? 9 : 3;
  const lineOf: number[] = [0];
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i]!.split(',');
    if (cells.length !== width) {
      problems.push({
        file: inputName,
        line: i + 1,
        column: null,
        field: null,
        rule,
        message: `${cells.length} values: expected ${width}`,
      });
      continue;
    }
    const [smso, dist, ...qs] = cells as [string, string, ...string[]];
    for (let d = 0; d < 7; d++) {
      const date = addDays(week, d);
      const raw = perDay ? qs[d]! : cal.isWorkingDay(date) ? qs[0]! : '0';
      if (parseQuantity(raw) === undefined) {
        const col = perDay ? 3 + d : 3;
        if (perDay || d === 0)
          problems.push({
            file: inputName,
            line: i + 1,
            column: col,
            field: lines[0]!.split(',')[col - 1]!,
            rule,
            message: `'${raw}': expected a whole number of installations`,
          });
        continue;
      }
      out.push([week, supplierId, smso, dist, date, raw].join(','));
      lineOf.push(i + 1);
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  // The demand file's own rules (SMSO, distributor, duplicates), mapped back to the input's lines.
  const parsed = parsePlanningFile('demand', out.join('\n'), inputName);
  if (!parsed.ok)
    return {
      ok: false,
      problems: parsed.problems.map((p) => ({
        ...p,
        line: p.line === null ? null : (lineOf[p.line - 1] ?? p.line),
        column: p.column === 3 ? 1 : p.column === 4 ? 2 : p.column,
      })),
    };
  return {
    ok: true,
    file: parsed.file,
    fileName: planningFileName(parsed.file),
    text: writePlanningFile(parsed.file),
  };
}
