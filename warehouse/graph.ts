/** The parts of Dataform's compiled graph (core.proto CompiledGraph) that logflow reads. */

export interface Target {
  database?: string;
  schema?: string;
  name?: string;
}

export interface ColumnDescriptor {
  path?: string[];
  description?: string;
}

export interface ActionDescriptor {
  description?: string;
  columns?: ColumnDescriptor[];
}

export interface Table {
  type?: 'table' | 'view' | 'incremental' | string;
  enumType?: string;
  target: Target;
  canonicalTarget?: Target;
  query?: string;
  incrementalQuery?: string;
  preOps?: string[];
  postOps?: string[];
  incrementalPreOps?: string[];
  incrementalPostOps?: string[];
  uniqueKey?: string[];
  dependencyTargets?: Target[];
  tags?: string[];
  disabled?: boolean;
  fileName?: string;
  actionDescriptor?: ActionDescriptor;
  bigquery?: {
    partitionBy?: string;
    clusterBy?: string[];
    partitionExpirationDays?: number;
    requirePartitionFilter?: boolean;
    updatePartitionFilter?: string;
  };
  protected?: boolean;
  materialized?: boolean;
}

export interface Operation {
  target: Target;
  queries?: string[];
  hasOutput?: boolean;
  dependencyTargets?: Target[];
  tags?: string[];
  disabled?: boolean;
  fileName?: string;
}

export interface Assertion {
  target: Target;
  query?: string;
  dependencyTargets?: Target[];
  parentAction?: Target;
  tags?: string[];
  disabled?: boolean;
  fileName?: string;
}

export interface Declaration {
  target: Target;
  fileName?: string;
  actionDescriptor?: ActionDescriptor;
}

export interface UnitTest {
  name?: string;
  testQuery?: string;
  expectedOutputQuery?: string;
  fileName?: string;
}

export interface CompilationError {
  fileName?: string;
  actionName?: string;
  message?: string;
  stack?: string;
}

export interface CompiledGraph {
  tables?: Table[];
  operations?: Operation[];
  assertions?: Assertion[];
  declarations?: Declaration[];
  tests?: UnitTest[];
  projectConfig?: { defaultDatabase?: string; defaultSchema?: string; assertionSchema?: string; vars?: Record<string, string> };
  graphErrors?: { compilationErrors?: CompilationError[] };
}

/** `schema.name`, the name users type. */
export function shortName(target: Target): string {
  return `${target.schema}.${target.name}`;
}

/** `database.schema.name`. */
export function fullName(target: Target): string {
  return `${target.database}.${target.schema}.${target.name}`;
}
