/** The compliant image every probe pod uses (the only images the clusters hold are ours). */
export const PROBE_IMAGE = 'isoproof.local/agnhost:2.56-isoproof1';
