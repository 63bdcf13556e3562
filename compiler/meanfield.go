package compiler

// meanField runs the N-expansion of spec §6.8 for continuous-time scaled models.
func (c *compiler) meanField() {}
